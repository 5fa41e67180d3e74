/*
 * module.h - what the files of the vds Python extension share: the Store,
 * Version and File types, the exceptions, and the one way a core call runs
 * (GIL released, the store's lock held, a context reopened after fork()).
 */
#ifndef VDS_PY_MODULE_H
#define VDS_PY_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>

#include "vds.h"

/* A vds configuration open in this process: one context, one lock. */
typedef struct {
	PyObject_HEAD
	char *config;         /* configuration path, or NULL for the default */
	vds_ctx *ctx;         /* opened on first use; reopened in a forked child */
	pthread_mutex_t lock; /* one core call on CTX at a time */
	unsigned gen;         /* grows when a fork left CTX to the parent */
	void *next;           /* in the list of stores the fork handler walks */
} StoreObject;

/* One version of a dataset, its file list loaded. */
typedef struct {
	PyObject_HEAD
	StoreObject *store;
	char ds[VDS_DSID_LEN + 1];
	char ver[VDS_VERID_LEN + 1];
	PyObject *info;     /* dict: name, message, tags, counts */
	vds_tree *tree;     /* used under the store's lock */
	vds_reader *reader; /* opened on first read, for generation GEN */
	unsigned gen;
} VersionObject;

extern PyTypeObject StoreType, VersionType, FileType;

/* Raises the vds exception of core status R with the thread's message. */
PyObject *vdspy_raise(int r);
/* Raises the vds exception of status R with message MSG. */
PyObject *vdspy_raise_msg(int r, const char *msg);
/* Creates the exception classes in module M; -1 on failure. */
int vdspy_errors_init(PyObject *m);

/* Locks S and returns its context, opening it when needed (GIL released); NULL: *R set. */
vds_ctx *store_lock(StoreObject *s, int *r);
/* Unlocks S. */
void store_unlock(StoreObject *s);
/* Installs the fork handlers once; -1 on failure. */
int store_fork_init(void);

/* Makes V's reader current (store locked); a status. */
int version_reader(VersionObject *v, vds_ctx *ctx);
/* A new File reading entry E of V (E's path copied); raises on failure. */
PyObject *file_new(VersionObject *v, const vds_entry *e);
/* The entry E as a tuple (path, size, sha256, mode, kind, mtime). */
PyObject *entry_tuple(const vds_entry *e);

#endif
