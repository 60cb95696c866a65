// SPDX-License-Identifier: GPL-2.0
/*
 * pdfs: a pseudo filesystem that gives every process descriptor an inode of
 * its own, so that fstat() can describe the process as FreeBSD does (see
 * procdesc_getattr()). anon_inodefs cannot: all its files share one inode.
 *
 * The filesystem is mounted while descriptors exist or /dev/procdesc is
 * open, and its superblock holds a reference on the module, so the module
 * outlives the last inode eviction and the final unmount, which both run
 * after the last file's release. Pinning it from the control device too
 * means a program that keeps the device open (libprocdesc does) does not
 * mount and unmount it around every descriptor when it has one at a time.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/module.h>
#include <linux/pseudo_fs.h>
#include <linux/procdesc.h>

#include "procdesc.h"

static struct vfsmount *pdfs_mnt;
static int pdfs_mnt_count;

/* lsof and /proc/<pid>/fd show descriptors the way they show pidfds. */
static char *pdfs_dname(struct dentry *dentry, char *buf, int buflen)
{
	static const char name[] = "anon_inode:[procdesc]";

	if (buflen < sizeof(name))
		return ERR_PTR(-ENAMETOOLONG);
	buf += buflen - sizeof(name);
	memcpy(buf, name, sizeof(name));
	return buf;
}

static const struct dentry_operations pdfs_dentry_ops = {
	.d_delete	= always_delete_dentry,
	.d_dname	= pdfs_dname,
};

/*
 * The descriptor outlives its file while a path (/proc/<pid>/fd/N) pins the
 * inode, so the inode's reference goes with the inode, not with the file.
 */
static void pdfs_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (inode->i_private)
		procdesc_put(inode->i_private);
}

static const struct super_operations pdfs_super_ops = {
	.statfs		= simple_statfs,
	.drop_inode	= inode_just_drop,
	.evict_inode	= pdfs_evict_inode,
};

static int pdfs_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, PROCDESC_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->ops = &pdfs_super_ops;
	ctx->dops = &pdfs_dentry_ops;
	return 0;
}

static struct file_system_type pdfs_type = {
	.owner			= THIS_MODULE,
	.name			= "procdesc",
	.init_fs_context	= pdfs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

/**
 * pdfs_pin - keep pdfs mounted
 *
 * Every successful call must be paired with pdfs_unpin().
 */
int pdfs_pin(void)
{
	return simple_pin_fs(&pdfs_type, &pdfs_mnt, &pdfs_mnt_count);
}

void pdfs_unpin(void)
{
	simple_release_fs(&pdfs_mnt, &pdfs_mnt_count);
}

/**
 * pdfs_alloc_file - make the file of a process descriptor
 * @pd: the descriptor; on success the inode owns the caller's reference and
 *	drops it on eviction
 * @private: flag bits or'ed into the file's private_data, the descriptor's
 *	address
 * @fops: the descriptor's file operations
 * @iops: the descriptor's inode operations
 *
 * The file pins pdfs: every successful call must be paired with pdfs_unpin()
 * in the file's release.
 */
struct file *pdfs_alloc_file(struct procdesc *pd, unsigned long private,
			     const struct file_operations *fops,
			     const struct inode_operations *iops)
{
	struct inode *inode;
	struct file *file;
	int ret;

	/* The file's reference, dropped by __fput(); the caller holds one. */
	__module_get(fops->owner);
	ret = pdfs_pin();
	if (ret) {
		module_put(fops->owner);
		return ERR_PTR(ret);
	}

	inode = alloc_anon_inode(pdfs_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		file = ERR_CAST(inode);
		goto unpin;
	}
	inode->i_op = iops;

	file = alloc_file_pseudo(inode, pdfs_mnt, "[procdesc]", O_RDWR, fops);
	if (IS_ERR(file)) {
		iput(inode);
		goto unpin;
	}
	inode->i_private = pd;
	file->private_data = (void *)((unsigned long)pd | private);
	return file;

unpin:
	pdfs_unpin();
	module_put(fops->owner);
	return file;
}
