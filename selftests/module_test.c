// SPDX-License-Identifier: GPL-2.0
/*
 * The module cannot be unloaded while anything of it is in use: an open
 * /dev/procdesc, a descriptor, or an inode pinned by an O_PATH handle after
 * the descriptor was closed. Non-destructive: it only ever tries to unload
 * while something is held, and the VM runner unloads it after the suite.
 * Runs last.
 */
#define _GNU_SOURCE
#include "procdesc_test.h"
#include "kselftest_harness.h"

#define MODNAME "procdesc"

static int module_loaded(void)
{
	char line[256];
	FILE *f = fopen("/proc/modules", "re");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, MODNAME " ", sizeof(MODNAME)))
			found = 1;
	fclose(f);
	return found;
}

static int try_unload(void)
{
	return syscall(__NR_delete_module, MODNAME, O_NONBLOCK);
}

TEST(busy_while_control_device_open)
{
	int ctl;

	if (!is_root() || !module_loaded())
		SKIP(return, "needs root and procdesc loaded as a module");
	ctl = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	errno = 0;
	EXPECT_EQ(-1, try_unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(ctl);
	EXPECT_TRUE(module_loaded());
}

TEST(busy_while_descriptor_open)
{
	int fd = -1, sk = -1;
	pid_t pid;

	if (!is_root() || !module_loaded())
		SKIP(return, "needs root and procdesc loaded as a module");
	pid = pdfork_pinger(&fd, PD_DAEMON, &sk, 0);
	ASSERT_GT(pid, 0);
	errno = 0;
	EXPECT_EQ(-1, try_unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	/* Reaped, but the descriptor is still open. */
	errno = 0;
	EXPECT_EQ(-1, try_unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
	EXPECT_TRUE(module_loaded());
}

TEST(busy_while_inode_pinned_by_o_path)
{
	char path[64];
	struct stat st;
	int fd = -1, sk = -1, opath;
	pid_t pid;

	if (!is_root() || !module_loaded())
		SKIP(return, "needs root and procdesc loaded as a module");
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	opath = open(path, O_PATH | O_CLOEXEC);
	ASSERT_GE(opath, 0);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	/* Only the O_PATH handle is left: its inode belongs to the module. */
	errno = 0;
	EXPECT_EQ(-1, try_unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	ASSERT_EQ(0, fstat(opath, &st));
	EXPECT_EQ((mode_t)S_IFREG, st.st_mode);
	close(opath);
	EXPECT_TRUE(module_loaded());
}

TEST_HARNESS_MAIN
