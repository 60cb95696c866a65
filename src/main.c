// SPDX-License-Identifier: GPL-2.0
/*
 * procdesc: FreeBSD process descriptors for Linux.
 *
 * This file is the module's front door: the misc device /dev/procdesc and
 * its ioctls. PROCDESC_IOC_ARM arms the calling thread for its next child
 * (src/clone.c); PROCDESC_IOC_OPEN turns a pidfd into a process descriptor;
 * PROCDESC_IOC_REAPABLE hands out the children left without a descriptor.
 * Everything else happens on the descriptor (src/procdesc.c).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/procdesc.h>

#include "procdesc.h"

#define PD_OPEN_FLAGS (PROCDESC_F_DAEMON | PROCDESC_F_CLOEXEC | PROCDESC_F_NONCHILD | \
		       PROCDESC_F_QUIET)

static long pd_ioc_open(void __user *uarg, size_t usize)
{
	struct procdesc_open args;
	struct file *pidfd;
	pid_t pid = 0;
	long ret;

	ret = copy_struct_from_user(&args, sizeof(args), uarg, usize);
	if (ret)
		goto out;
	pd_trace(open_enter, args.pidfd, args.flags);
	ret = -EINVAL;
	if (args.flags & ~PD_OPEN_FLAGS)
		goto out;
	ret = -EBADF;
	pidfd = fget(args.pidfd);
	if (!pidfd)
		goto out;
	ret = procdesc_open(pidfd, args.flags, &pid);
	fput(pidfd);
out:
	pd_trace_return(open, pid, ret);
	return ret;
}

static long pd_ioc_reapable(void __user *uarg)
{
	long ret;

	pd_trace(reapable_enter, 0);
	ret = procdesc_ioc_reapable(uarg);
	pd_trace_return(reapable, 0, ret);
	return ret;
}

static long pd_ctl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (cmd == PROCDESC_IOC_VERSION)
		return put_user(PROCDESC_ABI_VERSION, (u32 __user *)uarg);
	if (procdesc_cmd_is(cmd, PROCDESC_IOC_OPEN, sizeof(struct procdesc_open)))
		return pd_ioc_open(uarg, _IOC_SIZE(cmd));
	if (procdesc_cmd_is(cmd, PROCDESC_IOC_ARM, sizeof(struct procdesc_arm)))
		return procdesc_ioc_arm(uarg, _IOC_SIZE(cmd));
	if (cmd == PROCDESC_IOC_DISARM)
		return procdesc_ioc_disarm(arg);
	if (cmd == PROCDESC_IOC_REAPABLE)
		return pd_ioc_reapable(uarg);
	return -ENOTTY;
}

/*
 * An open control device keeps pdfs mounted, so that a program making one
 * descriptor at a time through it does not mount and unmount pdfs each time.
 */
static int pd_ctl_open(struct inode *inode, struct file *file)
{
	nonseekable_open(inode, file);
	return pdfs_pin();
}

static int pd_ctl_release(struct inode *inode, struct file *file)
{
	pdfs_unpin();
	return 0;
}

static const struct file_operations pd_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= pd_ctl_open,
	.release	= pd_ctl_release,
	.unlocked_ioctl	= pd_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice pd_ctl_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "procdesc",
	.fops	= &pd_ctl_fops,
	/* Anyone may make descriptors for processes they could signal anyway. */
	.mode	= 0666,
};

static int __init procdesc_init(void)
{
	int ret;

	ret = procdesc_hooks_init();
	if (ret)
		return ret;
	ret = misc_register(&pd_ctl_dev);
	if (ret)
		procdesc_hooks_exit();
	return ret;
}

static void __exit procdesc_fini(void)
{
	misc_deregister(&pd_ctl_dev);
	procdesc_hooks_exit();
	procdesc_exit();
}

module_init(procdesc_init);
module_exit(procdesc_fini);

MODULE_DESCRIPTION("FreeBSD process descriptors (pdfork, pdkill, pdwait)");
MODULE_AUTHOR("The procdesc authors");
MODULE_LICENSE("GPL");
