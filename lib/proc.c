/* proc.c -- the setup of blmon's child processes between fork and exec.
 * Only async-signal-safe calls: the child of a threaded process may do nothing else. */
#include "lib/proc.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void close_from(int lowfd)
{
	struct rlimit rl;
	long max = 65536;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0U) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur < max)
		max = (long)rl.rlim_cur;
	for (long fd = lowfd; fd < max; fd++)
		close((int)fd);
}

/* fd becomes target (kept across exec). 0 or -1. */
static int put_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
}

int proc_child_setup(pid_t parent, int out_fd, int err_fd)
{
	struct sigaction sa;
	sigset_t none;
	int nul;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		return -1; /* blmon died before prctl */
	if (put_fd(out_fd, STDOUT_FILENO) < 0 || (err_fd >= 0 && put_fd(err_fd, STDERR_FILENO) < 0))
		return -1;
	nul = open("/dev/null", O_RDONLY);
	if (nul < 0 || (nul != STDIN_FILENO && dup2(nul, STDIN_FILENO) < 0))
		return -1;
	close_from(STDERR_FILENO + 1);
	return 0;
}
