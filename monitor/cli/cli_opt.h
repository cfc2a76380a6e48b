/* cli_opt.h -- what every command says about an option getopt_long refused, with "did you mean".
 * Commands run getopt_long with opterr = 0 and ask here for the sentence; they print it their way. */
#ifndef BLMON_CLI_OPT_H
#define BLMON_CLI_OPT_H

#include <getopt.h>
#include <stddef.h>

/* Writes into buf (len bytes) what is wrong with the option getopt_long just
 * refused (it returned '?' or ':'): "unknown option --jsno (did you mean
 * --json?)", "option --con is ambiguous (--config, --concurrency)", "option -c
 * needs a value", "option --json takes no value". opts and shortopts are what
 * getopt_long was given; argv is the command's. Reads optind and optopt. */
void cli_opt_error(const struct option *opts, const char *shortopts, char *const *argv, char *buf,
		   size_t len);

#endif
