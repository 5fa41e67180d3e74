/*
 * file.c - vds.File: one file of a version open for binary reading
 * (read, readinto, seek, tell), through the core's checked reads
 * (vds_file_pread) with the GIL released. In a child of fork() the file
 * opens again through the child's own context at its first read.
 */
#include "module.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	PyObject_HEAD
	VersionObject *version;
	vds_entry e;  /* path owned */
	vds_file *f;  /* NULL once closed, or before the first read in a child */
	unsigned gen; /* the store generation F belongs to */
	uint64_t pos;
	int closed;
} FileObject;

/* Opens F->f through the version's reader (store locked, GIL released); a status. */
static int file_reopen(FileObject *f)
{
	VersionObject *v = f->version;
	vds_reader *rd = NULL;
	int r;

	vds_ctx *ctx = store_lock(v->store, &r);
	if (!ctx)
		return r;
	if ((r = version_reader(v, ctx)) == 0) {
		rd = v->reader;
		f->gen = v->gen;
	}
	store_unlock(v->store);
	if (r < 0)
		return r;
	return vds_file_open(rd, &f->e, &f->f);
}

PyObject *file_new(VersionObject *v, const vds_entry *e)
{
	FileObject *f = PyObject_New(FileObject, &FileType);
	int r;

	if (!f)
		return NULL;
	Py_INCREF(v);
	f->version = v;
	f->e = *e;
	f->e.path = strdup(e->path);
	f->f = NULL;
	f->pos = 0;
	f->closed = 0;
	if (!f->e.path) {
		Py_DECREF(f);
		return PyErr_NoMemory();
	}
	Py_BEGIN_ALLOW_THREADS r = file_reopen(f);
	Py_END_ALLOW_THREADS
	if (r < 0) {
		Py_DECREF(f);
		return vdspy_raise(r);
	}
	return (PyObject *)f;
}

/* Makes F ready to read: raises on a closed file; reopens in a forked child. */
static int file_ready(FileObject *f, int *r)
{
	*r = 0;
	if (f->closed) {
		PyErr_SetString(PyExc_ValueError, "I/O operation on closed file");
		return -1;
	}
	if (f->f && f->gen == f->version->store->gen)
		return 0;
	f->f = NULL; /* the parent's, after fork() */
	return 0;
}

/* Reads up to LEN bytes at F's position into BUF, GIL released; raises, or *GOT. */
static int file_read_at(FileObject *f, char *buf, size_t len, size_t *got)
{
	int r = 0;

	*got = 0;
	if (file_ready(f, &r) < 0)
		return -1;
	Py_BEGIN_ALLOW_THREADS if (!f->f) r = file_reopen(f);
	if (r == 0)
		r = vds_file_pread(f->f, f->pos, buf, len, got);
	Py_END_ALLOW_THREADS
	if (r < 0) {
		vdspy_raise(r);
		return -1;
	}
	f->pos += *got;
	return 0;
}

PyDoc_STRVAR(read_doc, "read(size=-1) -> bytes: up to SIZE bytes from the position (all that is "
		       "left when SIZE is negative); b'' at the end.");
static PyObject *File_read(FileObject *self, PyObject *args)
{
	Py_ssize_t size = -1;
	size_t got;

	if (!PyArg_ParseTuple(args, "|n:read", &size))
		return NULL;
	if (self->closed)
		return PyErr_Format(PyExc_ValueError, "I/O operation on closed file");
	uint64_t left = self->pos < self->e.size ? self->e.size - self->pos : 0;
	if (size < 0 || (uint64_t)size > left)
		size = (Py_ssize_t)left;
	PyObject *b = PyBytes_FromStringAndSize(NULL, size);
	if (!b)
		return NULL;
	if (file_read_at(self, PyBytes_AS_STRING(b), (size_t)size, &got) < 0) {
		Py_DECREF(b);
		return NULL;
	}
	if ((Py_ssize_t)got != size && _PyBytes_Resize(&b, (Py_ssize_t)got) < 0)
		return NULL;
	return b;
}

static PyObject *File_readall(FileObject *self, PyObject *unused)
{
	PyObject *args = PyTuple_New(0), *b;

	(void)unused;
	if (!args)
		return NULL;
	b = File_read(self, args);
	Py_DECREF(args);
	return b;
}

static PyObject *File_flush(FileObject *self, PyObject *unused)
{
	(void)unused;
	if (self->closed)
		return PyErr_Format(PyExc_ValueError, "I/O operation on closed file");
	Py_RETURN_NONE;
}

PyDoc_STRVAR(readinto_doc, "readinto(buffer) -> int: reads into a writable buffer, returns the "
			   "number of bytes read (0 at the end).");
static PyObject *File_readinto(FileObject *self, PyObject *args)
{
	Py_buffer view;
	size_t got = 0;

	if (!PyArg_ParseTuple(args, "w*:readinto", &view))
		return NULL;
	int r = file_read_at(self, view.buf, (size_t)view.len, &got);
	PyBuffer_Release(&view);
	if (r < 0)
		return NULL;
	return PyLong_FromSize_t(got);
}

PyDoc_STRVAR(seek_doc, "seek(offset, whence=0) -> int: moves the position (whence 0: from the "
		       "start, 1: from the position, 2: from the end); returns it.");
static PyObject *File_seek(FileObject *self, PyObject *args)
{
	long long off;
	int whence = 0;

	if (!PyArg_ParseTuple(args, "L|i:seek", &off, &whence))
		return NULL;
	if (self->closed)
		return PyErr_Format(PyExc_ValueError, "I/O operation on closed file");
	long long base = whence == 0 ? 0 : whence == 1 ? (long long)self->pos
				       : whence == 2   ? (long long)self->e.size
						       : -1;
	if (base < 0)
		return PyErr_Format(PyExc_ValueError, "invalid whence (%d, should be 0, 1 or 2)",
				    whence);
	if (base + off < 0)
		return PyErr_Format(PyExc_ValueError, "negative seek position %lld", base + off);
	self->pos = (uint64_t)(base + off);
	return PyLong_FromUnsignedLongLong(self->pos);
}

static PyObject *File_tell(FileObject *self, PyObject *unused)
{
	(void)unused;
	if (self->closed)
		return PyErr_Format(PyExc_ValueError, "I/O operation on closed file");
	return PyLong_FromUnsignedLongLong(self->pos);
}

static void file_close(FileObject *self)
{
	if (self->f && self->gen == self->version->store->gen) {
		vds_file *f = self->f;
		Py_BEGIN_ALLOW_THREADS vds_file_close(f);
		Py_END_ALLOW_THREADS
	}
	self->f = NULL;
	self->closed = 1;
}

static PyObject *File_close(FileObject *self, PyObject *unused)
{
	(void)unused;
	file_close(self);
	Py_RETURN_NONE;
}

static PyObject *File_true(FileObject *self, PyObject *unused)
{
	(void)unused;
	if (self->closed)
		return PyErr_Format(PyExc_ValueError, "I/O operation on closed file");
	Py_RETURN_TRUE;
}

static PyObject *File_false(FileObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	Py_RETURN_FALSE;
}

static PyObject *File_enter(FileObject *self, PyObject *unused)
{
	(void)unused;
	return Py_NewRef((PyObject *)self);
}

static PyObject *File_exit(FileObject *self, PyObject *args)
{
	(void)args;
	file_close(self);
	Py_RETURN_NONE;
}

static PyObject *File_get_closed(FileObject *self, void *unused)
{
	(void)unused;
	return PyBool_FromLong(self->closed);
}

static PyObject *File_get_name(FileObject *self, void *unused)
{
	(void)unused;
	return PyUnicode_DecodeFSDefault(self->e.path);
}

static PyObject *File_get_size(FileObject *self, void *unused)
{
	(void)unused;
	return PyLong_FromUnsignedLongLong(self->e.size);
}

static PyObject *File_get_mode(FileObject *self, void *unused)
{
	(void)self;
	(void)unused;
	return PyUnicode_FromString("rb");
}

static void File_dealloc(FileObject *self)
{
	file_close(self);
	free((char *)self->e.path);
	Py_XDECREF(self->version);
	PyObject_Free(self);
}

static PyMethodDef File_methods[] = {
	{"read", (PyCFunction)File_read, METH_VARARGS, read_doc},
	{"readall", (PyCFunction)File_readall, METH_NOARGS,
	 "readall() -> bytes: everything from the position to the end."},
	{"readinto", (PyCFunction)File_readinto, METH_VARARGS, readinto_doc},
	{"seek", (PyCFunction)File_seek, METH_VARARGS, seek_doc},
	{"tell", (PyCFunction)File_tell, METH_NOARGS, "tell() -> int: the position."},
	{"close", (PyCFunction)File_close, METH_NOARGS, "close(): closes the file."},
	{"readable", (PyCFunction)File_true, METH_NOARGS, "readable() -> True."},
	{"seekable", (PyCFunction)File_true, METH_NOARGS, "seekable() -> True."},
	{"writable", (PyCFunction)File_false, METH_NOARGS, "writable() -> False."},
	{"isatty", (PyCFunction)File_false, METH_NOARGS, "isatty() -> False."},
	{"flush", (PyCFunction)File_flush, METH_NOARGS, "flush(): nothing to do."},
	{"__enter__", (PyCFunction)File_enter, METH_NOARGS, NULL},
	{"__exit__", (PyCFunction)File_exit, METH_VARARGS, NULL},
	{NULL, NULL, 0, NULL},
};

static PyGetSetDef File_getset[] = {
	{"closed", (getter)File_get_closed, NULL, "True once closed", NULL},
	{"name", (getter)File_get_name, NULL, "the file's path in its version", NULL},
	{"size", (getter)File_get_size, NULL, "the file's size in bytes", NULL},
	{"mode", (getter)File_get_mode, NULL, "'rb'", NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject FileType = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "vds._vds.File",
	.tp_basicsize = sizeof(FileObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = PyDoc_STR("A file of a version open for binary reading (Version.open); "
			    "damaged content raises vds.Corrupt, never returns wrong bytes."),
	.tp_dealloc = (destructor)File_dealloc,
	.tp_methods = File_methods,
	.tp_getset = File_getset,
};
