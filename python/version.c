/*
 * version.c - vds.Version: one version of a dataset and its file list
 * (loaded when it is opened): entries, folder listings, files opened for
 * reading, and downloads like "vds datasets files get".
 */
#include "module.h"

#include <stdlib.h>
#include <string.h>

static const char *kind_name(char type)
{
	return type == VDS_LINK ? "link" : type == VDS_DIR ? "directory" : "file";
}

PyObject *entry_tuple(const vds_entry *e)
{
	char hex[65] = "";

	if (e->type != VDS_DIR)
		vds_sha256_hex(e->sha256, hex);
	return Py_BuildValue("(NKsIsL)", PyUnicode_DecodeFSDefault(e->path),
			     (unsigned long long)e->size, hex, (unsigned)e->mode, kind_name(e->type),
			     (long long)e->mtime);
}

int version_reader(VersionObject *v, vds_ctx *ctx)
{
	if (v->reader && v->gen == v->store->gen)
		return 0;
	v->reader = NULL; /* a forked child leaves the parent's reader alone */
	v->gen = v->store->gen;
	return vds_reader_new(ctx, v->ds, &v->reader);
}

static void Version_dealloc(VersionObject *self)
{
	if (self->gen == self->store->gen)
		vds_reader_free(self->reader);
	vds_tree_free(self->tree);
	Py_XDECREF(self->info);
	Py_XDECREF(self->store);
	PyObject_Free(self);
}

PyDoc_STRVAR(files_doc, "files(prefix='') -> list of (path, size, sha256, mode, kind, mtime) "
			"of the files at or below folder PREFIX, in path order.");
static PyObject *Version_files(VersionObject *self, PyObject *args, PyObject *kw)
{
	static char *kwl[] = {"prefix", NULL};
	const char *prefix = "";
	char *norm = NULL;
	uint64_t first = 0, end = 0;
	int r = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|s:files", kwl, &prefix))
		return NULL;
	if (*prefix && strspn(prefix, "/") != strlen(prefix) &&
	    (r = vds_path_normalize(prefix, &norm)) < 0)
		return vdspy_raise(r);
	PyObject *list = PyList_New(0);
	pthread_mutex_lock(&self->store->lock);
	vds_tree_range(self->tree, norm ? norm : "", &first, &end);
	for (uint64_t i = first; list && i < end; i++) {
		vds_entry e;
		PyObject *t = NULL;
		if ((r = vds_tree_at(self->tree, i, &e)) < 0 || !(t = entry_tuple(&e)) ||
		    PyList_Append(list, t) < 0)
			Py_CLEAR(list);
		Py_XDECREF(t);
	}
	pthread_mutex_unlock(&self->store->lock);
	free(norm);
	if (r < 0) {
		Py_XDECREF(list);
		return vdspy_raise(r);
	}
	return list;
}

/* Normalises PATH (a Python str) into *OUT; raises and returns -1 if it is not a path. */
static int norm_path(const char *path, char **out)
{
	int r;

	*out = NULL;
	if (strspn(path, "/") == strlen(path)) {
		*out = strdup("");
		return *out ? 0 : (PyErr_NoMemory(), -1);
	}
	if ((r = vds_path_normalize(path, out)) < 0) {
		vdspy_raise(r);
		return -1;
	}
	return 0;
}

PyDoc_STRVAR(stat_doc, "stat(path) -> (path, size, sha256, mode, kind, mtime) of a file, or of a "
		       "folder (kind 'directory', its total size); NotFound if neither.");
static PyObject *Version_stat(VersionObject *self, PyObject *args)
{
	const char *path;
	char *norm;
	vds_entry e;
	PyObject *o = NULL;
	int r;

	if (!PyArg_ParseTuple(args, "s:stat", &path) || norm_path(path, &norm) < 0)
		return NULL;
	pthread_mutex_lock(&self->store->lock);
	r = *norm ? vds_tree_lookup(self->tree, norm, &e) : VDS_ENOTFOUND;
	if (r == 0) {
		o = entry_tuple(&e);
	} else {
		uint64_t first = 0, end = 0;
		vds_tree_range(self->tree, norm, &first, &end);
		if (first < end || !*norm) {
			memset(&e, 0, sizeof(e));
			e.path = norm;
			e.type = VDS_DIR;
			e.mode = 0755;
			for (uint64_t i = first; i < end; i++) {
				vds_entry f;
				if (vds_tree_at(self->tree, i, &f) == 0)
					e.size += f.size, e.nfiles++;
			}
			o = entry_tuple(&e);
			r = 0;
		}
	}
	pthread_mutex_unlock(&self->store->lock);
	free(norm);
	if (r < 0)
		return vdspy_raise(r);
	return o;
}

PyDoc_STRVAR(listdir_doc, "listdir(path='') -> list of (name, size, sha256, mode, kind, mtime) "
			  "of the direct children of folder PATH (folders: their total size).");
static PyObject *Version_listdir(VersionObject *self, PyObject *args)
{
	const char *path = "";
	char *norm;
	vds_listing l = {0};
	int r;

	if (!PyArg_ParseTuple(args, "|s:listdir", &path) || norm_path(path, &norm) < 0)
		return NULL;
	pthread_mutex_lock(&self->store->lock);
	r = vds_tree_list(self->tree, norm, &l);
	pthread_mutex_unlock(&self->store->lock);
	free(norm);
	if (r < 0)
		return vdspy_raise(r);
	PyObject *list = PyList_New(0);
	for (size_t i = 0; list && i < l.n; i++) {
		PyObject *t = entry_tuple(&l.v[i]);
		if (!t || PyList_Append(list, t) < 0)
			Py_CLEAR(list);
		Py_XDECREF(t);
	}
	vds_listing_release(&l);
	return list;
}

PyDoc_STRVAR(vopen_doc, "open(path) -> File: the file at PATH, open for binary reading "
			"(read, readinto, seek, tell) through the store's checked cache and ranged "
			"reads.");
static PyObject *Version_open(VersionObject *self, PyObject *args)
{
	const char *path;
	char *norm;
	vds_entry e;
	int r;

	if (!PyArg_ParseTuple(args, "s:open", &path) || norm_path(path, &norm) < 0)
		return NULL;
	pthread_mutex_lock(&self->store->lock);
	r = vds_tree_lookup(self->tree, norm, &e);
	pthread_mutex_unlock(&self->store->lock);
	if (r < 0) {
		free(norm);
		return vdspy_raise(r);
	}
	e.path = norm;
	PyObject *f = file_new(self, &e);
	free(norm);
	return f;
}

PyDoc_STRVAR(get_doc, "get(target, paths=None) -> dict (files, bytes, present): downloads the "
		      "version's files (or those at or below PATHS) into folder TARGET, verified, "
		      "like 'vds datasets files get'.");
static PyObject *Version_get(VersionObject *self, PyObject *args, PyObject *kw)
{
	static char *kwl[] = {"target", "paths", NULL};
	PyObject *target = NULL, *paths = Py_None, *seq = NULL, *tb = NULL;
	const char **pv = NULL;
	Py_ssize_t n = 0;
	vds_get_result res = {0};
	int r = 0, ok = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|O:get", kwl, PyUnicode_FSConverter, &tb,
					 &paths))
		return NULL;
	target = tb;
	if (paths != Py_None) {
		if (!(seq = PySequence_Fast(paths, "paths must be a list of paths")))
			goto out;
		n = PySequence_Fast_GET_SIZE(seq);
		if (!(pv = PyMem_Calloc((size_t)n + 1, sizeof(*pv)))) {
			PyErr_NoMemory();
			goto out;
		}
		for (Py_ssize_t i = 0; i < n; i++)
			if (!(pv[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i))))
				goto out;
	}
	Py_BEGIN_ALLOW_THREADS vds_ctx *ctx = store_lock(self->store, &r);
	if (ctx) {
		r = vds_files_get(ctx, self->ds, self->ver, pv, (size_t)n, PyBytes_AS_STRING(target),
				  NULL, &res);
		store_unlock(self->store);
	}
	Py_END_ALLOW_THREADS
	if (r < 0)
		vdspy_raise(r);
	else
		ok = 1;
out:
	PyMem_Free(pv);
	Py_XDECREF(seq);
	Py_XDECREF(tb);
	if (!ok)
		return NULL;
	return Py_BuildValue("{s:K,s:K,s:K}", "files", (unsigned long long)res.files, "bytes",
			     (unsigned long long)res.bytes, "present", (unsigned long long)res.present);
}

static PyObject *Version_getinfo(VersionObject *self, void *key)
{
	if (!strcmp(key, "dataset"))
		return PyUnicode_FromString(self->ds);
	if (!strcmp(key, "id"))
		return PyUnicode_FromString(self->ver);
	PyObject *o = PyDict_GetItemString(self->info, key);
	if (!o)
		return PyErr_Format(PyExc_AttributeError, "%s", (const char *)key);
	return Py_NewRef(o);
}

static PyGetSetDef Version_getset[] = {
	{"dataset", (getter)Version_getinfo, NULL, "the dataset's id", "dataset"},
	{"dataset_name", (getter)Version_getinfo, NULL, "the dataset's name", "dataset_name"},
	{"id", (getter)Version_getinfo, NULL, "the exact version id", "id"},
	{"message", (getter)Version_getinfo, NULL, "the version's message", "message"},
	{"tags", (getter)Version_getinfo, NULL, "tag names pointing at it (a tuple)", "tags"},
	{"committed", (getter)Version_getinfo, NULL, "False for a draft", "committed"},
	{"created_us", (getter)Version_getinfo, NULL, "creation time, microseconds since the epoch",
	 "created_us"},
	{"committed_us", (getter)Version_getinfo, NULL, "commit time (0 for a draft)",
	 "committed_us"},
	{"file_count", (getter)Version_getinfo, NULL, "number of files", "file_count"},
	{"total_size", (getter)Version_getinfo, NULL, "total size of its files in bytes",
	 "total_size"},
	{NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef Version_methods[] = {
	{"files", (PyCFunction)(void (*)(void))Version_files, METH_VARARGS | METH_KEYWORDS,
	 files_doc},
	{"stat", (PyCFunction)Version_stat, METH_VARARGS, stat_doc},
	{"listdir", (PyCFunction)Version_listdir, METH_VARARGS, listdir_doc},
	{"open", (PyCFunction)Version_open, METH_VARARGS, vopen_doc},
	{"get", (PyCFunction)(void (*)(void))Version_get, METH_VARARGS | METH_KEYWORDS, get_doc},
	{NULL, NULL, 0, NULL},
};

PyTypeObject VersionType = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "vds._vds.Version",
	.tp_basicsize = sizeof(VersionObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = PyDoc_STR("One version of a dataset (from vds.open): its id, message, tags, "
			    "counts, and its files."),
	.tp_dealloc = (destructor)Version_dealloc,
	.tp_methods = Version_methods,
	.tp_getset = Version_getset,
};
