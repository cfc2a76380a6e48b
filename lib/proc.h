/* proc.h -- what a child process of blmon (a log command, rsync) gets between fork and exec.
 * Its own process group, death with blmon, stdin from /dev/null, and no descriptor of blmon's. */
#ifndef BLMON_PROC_H
#define BLMON_PROC_H

#include <sys/types.h>

/* In the child, right after fork: default signal handlers and mask (what blmon
 * ignores would survive exec), its own process group (stopping it stops its
 * children), SIGTERM when blmon dies, stdin from /dev/null, stdout on out_fd and
 * stderr on err_fd (-1: keep blmon's), every other descriptor closed. parent is
 * blmon's pid from before the fork. Async-signal-safe. 0, or -1 when the child
 * must _exit (blmon already died, or a descriptor could not be set). */
int proc_child_setup(pid_t parent, int out_fd, int err_fd);

#endif
