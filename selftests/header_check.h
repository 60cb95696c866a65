/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <sys/procdesc.h> in every language mode a user may build in, compiled
 * but not run by `make header-check`: as C89, C99 and C11, each with -Wall
 * -Wextra -Werror -pedantic and no feature-test macro, and as C++. It takes
 * the address of every function, so that each prototype is used, and
 * includes <sys/wait.h>, which libprocdesc-freebsd's include directory
 * replaces for FreeBSD programs. A header only so that C89, which has no
 * // comments, takes its SPDX line.
 */
#include <sys/procdesc.h>
#include <sys/wait.h>

#if !defined(PROCDESC_HAVE_PDSPAWNP) || !defined(PROCDESC_HAVE_PDDUPFD)
#error "<sys/procdesc.h> lacks a PROCDESC_HAVE_ macro"
#endif

static void (*const fns[])(void) = {
	(void (*)(void))pdfork, (void (*)(void))pdrfork,
	(void (*)(void))pdgetpid, (void (*)(void))pdkill,
	(void (*)(void))pdwait, (void (*)(void))pdwait4,
	(void (*)(void))pdopenpid, (void (*)(void))pddupfd,
	(void (*)(void))pdspawn, (void (*)(void))pdspawnp,
	(void (*)(void))pdgetpidfd, (void (*)(void))pdopenpidfd,
};

int main(void)
{
	int flags = PD_DAEMON | PD_CLOEXEC | PD_ALLOWED_AT_FORK;
	struct __wrusage wru;
	siginfo_t info;

	(void)wru;
	(void)info;
	return fns[0] == 0 || flags != 3 || !RFPROCDESC;
}
