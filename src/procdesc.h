/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the files of the procdesc module.
 */
#ifndef _PROCDESC_H
#define _PROCDESC_H

#include <linux/ioctl.h>
#include <linux/types.h>

struct file;
struct inode;
struct procdesc;

/* src/procdesc.c: the process descriptor object */
int procdesc_create(struct file *pidfd, u32 flags);
void procdesc_free(struct procdesc *pd);

/* src/pdfs.c: the pseudo filesystem that gives each descriptor an inode */
struct file *pdfs_alloc_file(struct procdesc *pd,
			     const struct file_operations *fops,
			     const struct inode_operations *iops);
void pdfs_release_file(void);

/*
 * Whether @cmd is @ref with a size of at least @min: structures grow at
 * their end, so the size in the command number may be larger or smaller
 * than the kernel's own (see copy_struct_from_user()).
 */
static inline bool procdesc_cmd_is(unsigned int cmd, unsigned int ref,
				   size_t min)
{
	return _IOC_TYPE(cmd) == _IOC_TYPE(ref) && _IOC_NR(cmd) == _IOC_NR(ref) &&
	       _IOC_DIR(cmd) == _IOC_DIR(ref) && _IOC_SIZE(cmd) >= min;
}

#endif /* _PROCDESC_H */
