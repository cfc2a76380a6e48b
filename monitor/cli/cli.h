/* cli.h -- blmon's subcommands. Each takes its own argv (argv[0] = the
 * subcommand) and returns the process exit status; only main() exits. */
#ifndef BLMON_CLI_H
#define BLMON_CLI_H

#define EXIT_LISTED 1
#define EXIT_USAGE 2
#define EXIT_UNKNOWN 3

int cmd_check(int argc, char **argv);
int cmd_lists(int argc, char **argv);
int cmd_config_test(int argc, char **argv);
int cmd_run(int argc, char **argv);
/* `blmon nagios`: exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Monitoring Plugins). */
int cmd_nagios(int argc, char **argv);
/* `blmon alert test`: a test message through every channel; 0 all accepted, 1 not, 2. */
int cmd_alert(int argc, char **argv);
/* `blmon status`: what the running daemon sees, from its API; exits as check. */
int cmd_status(int argc, char **argv);
/* `blmon reroute`: prints a Postfix transport map; 0, or 2 on usage/config errors. */
int cmd_reroute(int argc, char **argv);
/* `blmon db migrate`: a SQLite history into PostgreSQL; 0, 1 when the copy failed, 2. */
int cmd_db(int argc, char **argv);

#endif
