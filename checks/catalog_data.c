/* catalog_data.c -- the built-in DNSBL catalog: one row per list, one line per code.
 * Sources: each list's public usage page, collected in shared/dnsbl-reference.md. Dead lists
 * (SORBS, AHBL, dul.ru, DSBL, ...) are deliberately absent: their test points fail. */
#include "checks/catalog.h"
#include "checks/snds.h"

#include <stddef.h>

#define L CODE_LISTED
#define N CODE_NEUTRAL
#define E CODE_ERROR
#define END {NULL, 0}

/* Every Spamhaus zone answers these instead of NXDOMAIN/A when it will not
 * answer the question; none of them is a listing. */
#define SPAMHAUS_ERRORS                                                                      \
	{"127.255.255.252 typo in the DNSBL zone name (Spamhaus)", E},                       \
	{"127.255.255.254 resolver refused by Spamhaus: query via a public/open resolver; use a local recursive resolver or a DQS key", E}, \
	{"127.255.255.255 excessive number of queries (Spamhaus): rate limited, the answer must not be used", E}, \
	{"127.255.255.250-251 DQS key problem (Spamhaus): check the key", E}

static const struct catalog_code_def zen_codes[] = {
	{"127.0.0.2 SBL: Spamhaus SBL data (direct spam source or spam operation)", L},
	{"127.0.0.3 SBL CSS: Spamhaus CSS, low-reputation sender (snowshoe)", L},
	{"127.0.0.9 SBL DROP: on Spamhaus DROP/EDROP (hijacked or criminal netblock)", L},
	{"127.0.0.4 XBL: exploited host (CBL: botnet, proxy, malware)", L},
	{"127.0.0.5-7 XBL: exploited host (reserved code)", L},
	{"127.0.0.10 PBL (ISP): end-user range that the ISP says must not send mail directly", L},
	{"127.0.0.11 PBL (Spamhaus): range Spamhaus believes should not send mail directly", L},
	{"127.0.0.20 AuthBL: IP seen sending with compromised SMTP credentials", L},
	{"127.0.0.30 BCL: botnet command-and-control server", L},
	SPAMHAUS_ERRORS,
	END,
};

static const struct catalog_code_def dbl_codes[] = {
	{"127.0.1.2 DBL: spam domain", L},
	{"127.0.1.4 DBL: phishing domain", L},
	{"127.0.1.5 DBL: malware domain", L},
	{"127.0.1.6 DBL: botnet command-and-control domain", L},
	{"127.0.1.102 DBL: abused legitimate spam domain", L},
	{"127.0.1.103 DBL: abused legitimate spammed redirector domain", L},
	{"127.0.1.104 DBL: abused legitimate phishing domain", L},
	{"127.0.1.105 DBL: abused legitimate malware domain", L},
	{"127.0.1.106 DBL: abused legitimate botnet C&C domain", L},
	{"127.0.1.255 DBL error: an IP address was queried on a domain list", E},
	SPAMHAUS_ERRORS,
	END,
};

static const struct catalog_code_def zrd_codes[] = {
	{"127.0.2.2-24 ZRD: domain first seen within the last 2-24 hours (last octet = hours)", L},
	SPAMHAUS_ERRORS,
	END,
};

static const struct catalog_code_def single_ip_codes[] = {
	{"127.0.0.2 listed", L},
	END,
};

static const struct catalog_code_def uce1_codes[] = {
	{"127.0.0.2 UCEPROTECT Level 1: this single IP hit spam traps", L},
	END,
};

static const struct catalog_code_def uce2_codes[] = {
	{"127.0.0.2 UCEPROTECT Level 2: the IP's allocation has too many Level 1 listings", L},
	END,
};

static const struct catalog_code_def uce3_codes[] = {
	{"127.0.0.2 UCEPROTECT Level 3: the IP's whole ASN is listed", L},
	END,
};

static const struct catalog_code_def spamcop_codes[] = {
	{"127.0.0.2 SpamCop: reported by SpamCop users; expires when reports stop", L},
	END,
};

static const struct catalog_code_def mailspike_bl_codes[] = {
	{"127.0.0.2 Mailspike: source of a current spam wave", L},
	{"127.0.0.10 Mailspike L5: worst reputation", L},
	{"127.0.0.11 Mailspike L4: very bad reputation", L},
	{"127.0.0.12 Mailspike L3: bad reputation", L},
	{"127.0.0.13 Mailspike L2: suspicious reputation", L},
	END,
};

/* rep.mailspike.net grades every IP it knows; only the bad grades are listings. */
static const struct catalog_code_def mailspike_rep_codes[] = {
	{"127.0.0.10 Mailspike reputation L5: worst", L},
	{"127.0.0.11 Mailspike reputation L4: very bad", L},
	{"127.0.0.12 Mailspike reputation L3: bad", L},
	{"127.0.0.13 Mailspike reputation L2: suspicious", L},
	{"127.0.0.14-16 Mailspike reputation: neutral (not a listing)", N},
	{"127.0.0.17-20 Mailspike reputation H1-H5: good (not a listing)", N},
	END,
};

static const struct catalog_code_def spamrats_codes[] = {
	{"127.0.0.36 RATS-Dyna: dynamic/end-user IP sending mail", L},
	{"127.0.0.37 RATS-NoPtr: no reverse DNS (PTR) for this IP", L},
	{"127.0.0.38 RATS-Spam: IP seen sending spam", L},
	{"127.0.0.43 RATS-Auth: IP seen attacking SMTP authentication", L},
	END,
};

static const struct catalog_code_def dronebl_codes[] = {
	{"127.0.0.3 DroneBL: IRC drone", L},
	{"127.0.0.8 DroneBL: SOCKS proxy", L},
	{"127.0.0.9 DroneBL: HTTP proxy", L},
	{"127.0.0.13 DroneBL: brute-force attacker", L},
	END,
};

static const struct catalog_code_def nixspam_codes[] = {
	{"127.0.0.2 NiX Spam: sent spam to NiX Spam traps; expires about 12 h after the last hit", L},
	END,
};

static const struct catalog_code_def abusix_codes[] = {
	{"127.0.0.2 Abusix: spam-trap hits", L},
	{"127.0.0.3 Abusix: heuristic (suspicious sending behaviour)", L},
	{"127.0.0.4 Abusix: exploited or compromised host", L},
	{"127.0.0.11 Abusix: generic reverse DNS (looks like an end-user IP)", L},
	{"127.0.0.12 Abusix: no reverse DNS", L},
	{"127.0.0.200 Abusix: listed manually", L},
	END,
};

/* dnswl answers 127.0.X.Y: X the category, Y the trust level; both rows match. */
static const struct catalog_code_def dnswl_codes[] = {
	{"127.0.*.255 dnswl.org refused the query: too many queries or a public resolver", E},
	{"127.0.2.* category: financial services", L},
	{"127.0.3.* category: email service providers", L},
	{"127.0.4.* category: organisations", L},
	{"127.0.5.* category: service/network providers", L},
	{"127.0.6.* category: personal/private servers", L},
	{"127.0.7.* category: travel/leisure industry", L},
	{"127.0.8.* category: public sector/governments", L},
	{"127.0.9.* category: media and news", L},
	{"127.0.10.* category: software as a service", L},
	{"127.0.11.* category: educational institutions", L},
	{"127.0.12.* category: healthcare", L},
	{"127.0.13.* category: manufacturing/industrial", L},
	{"127.0.14.* category: retail/wholesale/services", L},
	{"127.0.15.* category: email marketing providers", L},
	{"127.0.20.* category: added through self-service", L},
	{"127.0.*.0 trust: none", L},
	{"127.0.*.1 trust: low", L},
	{"127.0.*.2 trust: medium", L},
	{"127.0.*.3 trust: high", L},
	END,
};

/* multi.uribl.com answers a bitmask; 127.0.0.1 means the query was refused. */
static const struct catalog_code_def uribl_codes[] = {
	{"127.0.0.1 URIBL refused the query: register your resolver or use your own", E},
	{"127.0.0.2 URIBL black: domain seen in spam", L},
	{"127.0.0.4 URIBL grey: domain in bulk mail", L},
	{"127.0.0.8 URIBL red: domain in spam at a big mailbox provider", L},
	{"127.0.0.6 URIBL black and grey", L},
	{"127.0.0.10 URIBL black and red", L},
	{"127.0.0.12 URIBL grey and red", L},
	{"127.0.0.14 URIBL black, grey and red", L},
	END,
};

/* Microsoft SNDS ([snds] key): no DNS zone, but the documents of its automated access
 * (checks/snds.c). These codes are blmon's own names for what a document says, so that an SNDS
 * result carries its meaning the way a DNS answer does, on every surface. Removal of an
 * Outlook.com block goes through the Outlook.com sender support request form. */
static const struct catalog_code_def snds_block_codes[] = {
	{"127.0.0.2 Outlook.com blocks mail from this address (SNDS IP status: blocked)", L},
	END,
};

static const struct catalog_code_def snds_filter_codes[] = {
	{"127.0.0.2 RED: more than 90% of its mail is judged spam (SNDS filter result)", L},
	{"127.0.0.3 YELLOW: between 10% and 90% of its mail is judged spam (SNDS filter result)", L},
	END,
};

#define OUTLOOK_SUPPORT "https://go.microsoft.com/fwlink/?LinkID=614866"

/* per-address pages where the site takes the address, so a removal starts on the right page */
#define UCE_REMOVAL "https://www.uceprotect.net/en/rblcheck.php?ipr={target}"
#define SPAMHAUS_REMOVAL "https://check.spamhaus.org/results/?query={target}"

/* id, zone, name, kind, query type, scope, IPv6, daily budget, removal, codes, the test points
 * the list publishes when they are not RFC 5782's (listed, never listed; NULL: RFC 5782), the
 * severity of a listing (problem order: what blocks the most mail first), and where its answers
 * come from (DNS, or SNDS documents) */
const struct catalog_def catalog_builtin[] = {
	{"spamhaus-zen", "zen.spamhaus.org", "Spamhaus ZEN", LIST_BLOCK, QTYPE_IP, SCOPE_IP, true,
	 300000, SPAMHAUS_REMOVAL, zen_codes, NULL, NULL, SEVERITY_HIGH, SOURCE_DNS},
	{"spamhaus-dbl", "dbl.spamhaus.org", "Spamhaus DBL", LIST_BLOCK, QTYPE_DOMAIN, SCOPE_DOMAIN,
	 false, 300000, SPAMHAUS_REMOVAL, dbl_codes, "dbltest.com", NULL, SEVERITY_HIGH, SOURCE_DNS},
	{"spamhaus-zrd", "zrd.spamhaus.org", "Spamhaus ZRD (new domains)", LIST_INFO, QTYPE_DOMAIN,
	 SCOPE_DOMAIN, false, 300000, NULL, zrd_codes, NULL, NULL, SEVERITY_LOW, SOURCE_DNS},
	{"spamhaus-zen-dqs", "{key}.zen.dq.spamhaus.net", "Spamhaus ZEN (DQS)", LIST_BLOCK, QTYPE_IP,
	 SCOPE_IP, true, 0, SPAMHAUS_REMOVAL, zen_codes, NULL, NULL, SEVERITY_HIGH, SOURCE_DNS},
	{"spamhaus-dbl-dqs", "{key}.dbl.dq.spamhaus.net", "Spamhaus DBL (DQS)", LIST_BLOCK,
	 QTYPE_DOMAIN, SCOPE_DOMAIN, false, 0, SPAMHAUS_REMOVAL, dbl_codes, "dbltest.com", NULL, SEVERITY_HIGH, SOURCE_DNS},
	{"spamhaus-zrd-dqs", "{key}.zrd.dq.spamhaus.net", "Spamhaus ZRD (DQS)", LIST_INFO,
	 QTYPE_DOMAIN, SCOPE_DOMAIN, false, 0, NULL, zrd_codes, NULL, NULL, SEVERITY_LOW, SOURCE_DNS},
	{"uceprotect-1", "dnsbl-1.uceprotect.net", "UCEPROTECT Level 1", LIST_BLOCK, QTYPE_IP,
	 SCOPE_IP, false, 0, UCE_REMOVAL, uce1_codes, NULL, NULL, SEVERITY_MEDIUM, SOURCE_DNS},
	{"uceprotect-2", "dnsbl-2.uceprotect.net", "UCEPROTECT Level 2", LIST_BLOCK, QTYPE_IP,
	 SCOPE_NETWORK, false, 0, UCE_REMOVAL, uce2_codes, NULL, NULL, SEVERITY_LOW, SOURCE_DNS},
	{"uceprotect-3", "dnsbl-3.uceprotect.net", "UCEPROTECT Level 3", LIST_BLOCK, QTYPE_IP,
	 SCOPE_ASN, false, 0, UCE_REMOVAL, uce3_codes, NULL, NULL, SEVERITY_LOW, SOURCE_DNS},
	{"barracuda", "b.barracudacentral.org", "Barracuda BRBL", LIST_BLOCK, QTYPE_IP, SCOPE_IP,
	 false, 0, "https://www.barracudacentral.org/rbl/removal-request", single_ip_codes,
	 NULL, NULL, SEVERITY_HIGH, SOURCE_DNS},
	{"spamcop", "bl.spamcop.net", "SpamCop", LIST_BLOCK, QTYPE_IP, SCOPE_IP, false, 0,
	 "https://www.spamcop.net/bl.shtml?{target}", spamcop_codes, NULL, NULL, SEVERITY_HIGH, SOURCE_DNS},
	{"mailspike-bl", "bl.mailspike.net", "Mailspike BL", LIST_BLOCK, QTYPE_IP, SCOPE_IP, false,
	 100000, NULL, mailspike_bl_codes, NULL, NULL, SEVERITY_MEDIUM, SOURCE_DNS},
	{"mailspike-rep", "rep.mailspike.net", "Mailspike Reputation", LIST_BLOCK, QTYPE_IP,
	 SCOPE_IP, false, 100000, NULL, mailspike_rep_codes, NULL, NULL, SEVERITY_MEDIUM, SOURCE_DNS},
	{"spamrats", "all.spamrats.com", "SpamRATS", LIST_BLOCK, QTYPE_IP, SCOPE_IP, false, 0,
	 "https://www.spamrats.com/", spamrats_codes, NULL, NULL, SEVERITY_MEDIUM, SOURCE_DNS},
	{"psbl", "psbl.surriel.com", "PSBL", LIST_BLOCK, QTYPE_IP, SCOPE_IP, false, 0,
	 "http://psbl.org/remove", single_ip_codes, NULL, NULL, SEVERITY_MEDIUM, SOURCE_DNS},
	{"dronebl", "dnsbl.dronebl.org", "DroneBL", LIST_BLOCK, QTYPE_IP, SCOPE_IP, false, 0,
	 "https://dronebl.org/lookup", dronebl_codes, NULL, NULL, SEVERITY_MEDIUM, SOURCE_DNS},
	{"nixspam", "ix.dnsbl.manitu.net", "NiX Spam", LIST_BLOCK, QTYPE_IP, SCOPE_IP, true, 0,
	 NULL, nixspam_codes, NULL, NULL, SEVERITY_MEDIUM, SOURCE_DNS},
	{"s5h", "all.s5h.net", "s5h.net", LIST_BLOCK, QTYPE_IP, SCOPE_IP, true, 0, NULL,
	 single_ip_codes, NULL, NULL, SEVERITY_MEDIUM, SOURCE_DNS},
	{"abusix", "{key}.combined.mail.abusix.zone", "Abusix Mail Intelligence", LIST_BLOCK,
	 QTYPE_IP, SCOPE_IP, true, 0, NULL, abusix_codes, NULL, NULL, SEVERITY_MEDIUM, SOURCE_DNS},
	{"dnswl", "list.dnswl.org", "dnswl.org (allow list)", LIST_ALLOW, QTYPE_IP, SCOPE_IP, true,
	 100000, NULL, dnswl_codes, NULL, NULL, SEVERITY_LOW, SOURCE_DNS},
	{"uribl", "multi.uribl.com", "URIBL multi", LIST_BLOCK, QTYPE_DOMAIN, SCOPE_DOMAIN, false,
	 0, NULL, uribl_codes, "test.uribl.com", NULL, SEVERITY_MEDIUM, SOURCE_DNS},
	/* what Microsoft itself says of the addresses registered to an SNDS key (IPv4 only) */
	{SNDS_LIST_BLOCK, SNDS_LIST_BLOCK, "Microsoft SNDS blocklist (Outlook.com)", LIST_BLOCK,
	 QTYPE_IP, SCOPE_IP, false, 0, OUTLOOK_SUPPORT, snds_block_codes, NULL, NULL, SEVERITY_HIGH,
	 SOURCE_SNDS},
	{SNDS_LIST_FILTER, SNDS_LIST_FILTER, "Microsoft SNDS filter result (Outlook.com)",
	 LIST_BLOCK, QTYPE_IP, SCOPE_IP, false, 0, OUTLOOK_SUPPORT, snds_filter_codes, NULL, NULL,
	 SEVERITY_HIGH, SOURCE_SNDS},
};

const size_t catalog_builtin_count = sizeof(catalog_builtin) / sizeof(catalog_builtin[0]);
