/* alert_email.c -- the email channel: one SMTP transaction per queued message, through libcurl.
 * smtp:// (STARTTLS per [email] starttls) or smtps://; accepted means 250 after DATA. */
#include "monitor/alert/alert_channel.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/curlx.h"
#include "lib/sbuf.h"
#include "lib/text.h"
#include "lib/xmalloc.h"

#define EMAIL_CONNECT_TIMEOUT 10L
#define EMAIL_TIMEOUT 60L

struct upload {
	const char *p;
	size_t left;
};

/* The server's last reply line before QUIT: libcurl hands SMTP replies to the header callback. */
struct reply {
	char *buf;
	size_t len;
};

static size_t reply_cb(char *p, size_t size, size_t nmemb, void *ud)
{
	struct reply *r = ud;
	size_t n = size * nmemb, k;

	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	/* 221 is the goodbye to QUIT: what counts is the reply before it (250 after DATA) */
	if (!n || !r->len || (n >= 3 && !strncmp(p, "221", 3)))
		return size * nmemb;
	k = n < r->len - 1 ? n : r->len - 1;
	memcpy(r->buf, p, k);
	r->buf[k] = '\0';
	for (size_t i = 0; i < k; i++) /* the server's words: one printable line */
		if ((unsigned char)r->buf[i] < 0x20 || r->buf[i] == 0x7f)
			r->buf[i] = ' ';
	return size * nmemb;
}

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nmemb;

	if (n > u->left)
		n = u->left;
	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

char *alert_email_destination(const config_t *c)
{
	sbuf_t b = SBUF_INIT;

	for (size_t i = 0; i < c->nto; i++)
		sbuf_printf(&b, "%s%s", i ? ", " : "", c->to[i].value);
	return sbuf_take(&b);
}

static void email_shown(const char *destination, char *buf, size_t len)
{
	snprintf(buf, len, "%s", destination); /* recipients: nothing to hide from the admin */
}

static int email_configured(const config_t *c, const char *destination)
{
	(void)destination; /* recipients were fixed when the message was made */
	return c->smtp && c->from && c->nto;
}

/* The first line of the password file, without its line end. */
static int read_password(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, errlen, "cannot read password_file %s", path);
		return -1;
	}
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int email_send(const config_t *c, const char *destination, const char *payload,
		      volatile sig_atomic_t *stop, char *answer, size_t answerlen, char *err,
		      size_t errlen)
{
	struct reply reply = {answer, answerlen};
	CURL *h = NULL;
	struct curl_slist *rcpt = NULL;
	struct upload up = {payload, strlen(payload)};
	char from[320], cerr[CURL_ERROR_SIZE] = "", password[512] = "", shown[600];
	char *dest = xstrdup(destination), *save = NULL;
	long code = 0;
	int ret = -1;
	CURLcode rc;

	if (answerlen)
		answer[0] = '\0';
	if (!c->smtp || !c->from) {
		snprintf(err, errlen, "no [email] smtp and from configured");
		goto done;
	}
	for (char *tok = strtok_r(dest, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char addr[320];
		snprintf(addr, sizeof(addr), "<%s>", tok);
		rcpt = curlx_slist_add(rcpt, addr);
	}
	if (!rcpt) {
		snprintf(err, errlen, "no recipients");
		goto done;
	}
	if (c->smtp_password_file &&
	    read_password(c->smtp_password_file, password, sizeof(password), err, errlen) < 0)
		goto done;
	h = curlx_new(&(curlx_opts_t){"smtp,smtps", EMAIL_CONNECT_TIMEOUT, EMAIL_TIMEOUT, stop, cerr});
	snprintf(from, sizeof(from), "<%s>", c->from);
	curl_easy_setopt(h, CURLOPT_URL, c->smtp);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.left);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, reply_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &reply);
	curl_easy_setopt(h, CURLOPT_USE_SSL,
			 c->starttls == CONFIG_STARTTLS_NO	  ? (long)CURLUSESSL_NONE
			 : c->starttls == CONFIG_STARTTLS_REQUIRED ? (long)CURLUSESSL_ALL
								   : (long)CURLUSESSL_TRY);
	if (c->smtp_user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD,
				 c->smtp_password ? c->smtp_password : password);
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		/* the URL may hold the login, and libcurl's message may quote it */
		curlx_url_shown(c->smtp, true, shown, sizeof(shown));
		curlx_url_redact(c->smtp, true, cerr, sizeof(cerr));
		if (code)
			snprintf(err, errlen, "SMTP %s: %s (last reply %ld)", shown,
				 cerr[0] ? cerr : curl_easy_strerror(rc), code);
		else
			snprintf(err, errlen, "SMTP %s: %s", shown,
				 cerr[0] ? cerr : curl_easy_strerror(rc));
		text_redact(err, errlen, password, "***"); /* password_file's: config_redact knows not */
		text_redact(answer, answerlen, password, "***");
		goto done;
	}
	text_redact(answer, answerlen, password, "***");
	ret = 0;
done:
	memset(password, 0, sizeof(password));
	curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	free(dest);
	return ret;
}

const alert_channel_t alert_channel_email = {"email", email_configured, email_send, email_shown};
