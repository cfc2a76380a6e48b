/* cycle.h -- one check cycle of the daemon: the lists due, their test points, every target, history.
 * Internal to the daemon room: sched.c runs it when a list is due. */
#ifndef BLMON_CYCLE_H
#define BLMON_CYCLE_H


/* Runs one cycle over the lists due now (each gets its next due time): tests
 * their test points, checks every target through the engine, confirms and
 * records changes, then lets the mail log and alerts see them. Returns 0 (also
 * when nothing was due or a stop cut the cycle short), or -1 when the database
 * failed: logged, the state left as it was, and the lists due again within a
 * minute. */
struct sched;
int cycle_run(struct sched *s);

#endif
