/*
 * mount.h - what mount.c (the file system) and mountpoint.c (the folders
 * it is mounted at) share. Internal to src/.
 */
#ifndef VDS_MOUNT_H
#define VDS_MOUNT_H

#include <stdbool.h>
#include <sys/types.h>

/* The absolute form of DIR without resolving its last component (a dead mount). */
int mountpoint_abs(const char *dir, char **out);
/*
 * The file system type mounted at absolute path DIR (the last mount
 * there), or NULL; its device in *DEV if not NULL. Read from
 * /proc/self/mountinfo, so that nothing asks the mount itself (a mount of
 * this very process may have no thread free to answer).
 */
char *mountpoint_type(const char *dir, dev_t *dev);
/* Unmounts absolute DIR; LAZY detaches it even if in use. VDS_ECONFLICT if in use. */
int mountpoint_unmount(const char *dir, bool lazy);
/* Ends the FUSE connection of device DEV, if the fuse control file system is there. */
void mountpoint_abort(dev_t dev);
/* True if a FUSE mount at DIR lost its process (ENOTCONN). */
bool mountpoint_stale(const char *dir);
/* Checks that DIR (absolute: ABS) is an empty folder nothing is mounted at. */
int mountpoint_check(const char *dir, const char *abs);

#endif
