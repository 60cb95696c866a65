// SPDX-License-Identifier: GPL-2.0
/*
 * pdfs: the pseudo filesystem of process descriptor files. Every file has a
 * dentry of its own (alloc_file_pseudo() makes one per file) whose d_fsdata
 * is its descriptor object, so that fstat() can describe the process as
 * FreeBSD does (see pd_getattr()), also through an O_PATH handle of
 * /proc/self/fd/N; all files share one inode, which holds nothing of
 * theirs. A file costs a struct file and a dentry, no inode of its own.
 *
 * The filesystem is mounted while descriptors exist or /dev/procdesc is
 * open, and its superblock holds a reference on the module, so the module
 * outlives the last dentry and the final unmount, which both come after the
 * last file's release. Pinning it from the control device too means a
 * program that keeps the device open (libprocdesc does) does not mount and
 * unmount it around every descriptor when it has one at a time.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pseudo_fs.h>
#include <linux/procdesc.h>

#include "procdesc.h"

static DEFINE_MUTEX(pdfs_lock);
static struct vfsmount *pdfs_mnt;
static int pdfs_mnt_count;
/* The inode of every file, while pdfs is pinned; under pdfs_lock. */
static struct inode *pdfs_inode;

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

/*
 * The descriptor outlives its file while a path (/proc/<pid>/fd/N, an
 * O_PATH handle) pins the dentry, so the dentry holds the file's reference.
 */
static void pdfs_d_release(struct dentry *dentry)
{
	if (dentry->d_fsdata)
		procdesc_put(dentry->d_fsdata);
}

static const struct dentry_operations pdfs_dentry_ops = {
	.d_delete	= always_delete_dentry,
	.d_dname	= pdfs_dname,
	.d_release	= pdfs_d_release,
};

/* fstat(), also of an O_PATH handle that outlived the file. */
static int pd_getattr(struct mnt_idmap *idmap, const struct path *path,
		      struct kstat *stat, u32 request_mask,
		      unsigned int query_flags)
{
	struct inode *inode = d_inode(path->dentry);

	stat->dev = inode->i_sb->s_dev;
	stat->ino = inode->i_ino;
	procdesc_fill_stat(path->dentry->d_fsdata, stat);
	return 0;
}

static const struct inode_operations pdfs_inode_ops = {
	.getattr	= pd_getattr,
};

static const struct super_operations pdfs_super_ops = {
	.statfs		= simple_statfs,
	.drop_inode	= inode_just_drop,
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
 * pdfs_pin - keep pdfs mounted, with its shared inode
 *
 * Every successful call must be paired with pdfs_unpin(). May sleep.
 */
int pdfs_pin(void)
{
	struct inode *inode;
	int ret;

	mutex_lock(&pdfs_lock);
	ret = simple_pin_fs(&pdfs_type, &pdfs_mnt, &pdfs_mnt_count);
	if (!ret && !pdfs_inode) {
		inode = alloc_anon_inode(pdfs_mnt->mnt_sb);
		if (IS_ERR(inode)) {
			simple_release_fs(&pdfs_mnt, &pdfs_mnt_count);
			ret = PTR_ERR(inode);
		} else {
			inode->i_op = &pdfs_inode_ops;
			pdfs_inode = inode;
		}
	}
	mutex_unlock(&pdfs_lock);
	return ret;
}

/*
 * Drop a pin; the last one lets the shared inode go (dentries of open
 * files, or of paths that outlive them, hold it) and unmounts. May sleep.
 */
void pdfs_unpin(void)
{
	mutex_lock(&pdfs_lock);
	if (pdfs_mnt_count == 1) {
		iput(pdfs_inode);
		pdfs_inode = NULL;
	}
	simple_release_fs(&pdfs_mnt, &pdfs_mnt_count);
	mutex_unlock(&pdfs_lock);
}

/**
 * pdfs_alloc_file - make the file of a process descriptor
 * @pd: the descriptor; on success the file's dentry owns the caller's
 *	reference and drops it when it goes
 * @private: flag bits or'ed into the file's private_data, the descriptor's
 *	address
 * @fops: the descriptor's file operations
 *
 * The file pins pdfs: every successful call must be paired with pdfs_unpin()
 * in the file's release.
 */
struct file *pdfs_alloc_file(struct procdesc *pd, unsigned long private,
			     const struct file_operations *fops)
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
	/* Ours while the pin holds; the file's dentry takes a reference. */
	inode = pdfs_inode;
	ihold(inode);
	file = alloc_file_pseudo(inode, pdfs_mnt, "[procdesc]", O_RDWR, fops);
	if (IS_ERR(file)) {
		iput(inode);
		pdfs_unpin();
		module_put(fops->owner);
		return file;
	}
	file->f_path.dentry->d_fsdata = pd;
	file->private_data = (void *)((unsigned long)pd | private);
	return file;
}
