/*
 * store.c - vds.Store: a configuration open in this process, and what is
 * done with it by name (datasets, versions, tags, drafts, puts, commits).
 * Every core call runs with the GIL released under the store's lock. A
 * child of fork() never touches its parent's context: the fork handler
 * gives every store a fresh lock and a new generation, and the next call
 * opens a context of the child's own (the parent's is left, unfreed, to
 * the parent: its connections and threads are not the child's).
 */
#include "module.h"

#include <stdlib.h>
#include <string.h>

static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;
static StoreObject *stores; /* every live store */

static void fork_prepare(void)
{
	pthread_mutex_lock(&stores_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&stores_lock);
}

static void fork_child(void)
{
	pthread_mutex_init(&stores_lock, NULL);
	for (StoreObject *s = stores; s; s = s->next) {
		pthread_mutex_init(&s->lock, NULL);
		s->ctx = NULL;
		s->gen++;
	}
}

int store_fork_init(void)
{
	return pthread_atfork(fork_prepare, fork_parent, fork_child) == 0 ? 0 : -1;
}

vds_ctx *store_lock(StoreObject *s, int *r)
{
	pthread_mutex_lock(&s->lock);
	*r = 0;
	if (!s->ctx && (*r = vds_ctx_open(&s->ctx, s->config)) < 0) {
		s->ctx = NULL;
		pthread_mutex_unlock(&s->lock);
		return NULL;
	}
	return s->ctx;
}

void store_unlock(StoreObject *s)
{
	pthread_mutex_unlock(&s->lock);
}

/* Runs statement CALL (which may use ctx and set r) on S's context, GIL released. */
#define CORE(s, CALL)                                                                   \
	do {                                                                            \
		Py_BEGIN_ALLOW_THREADS vds_ctx *ctx = store_lock((s), &r);              \
		if (ctx) {                                                              \
			CALL;                                                           \
			store_unlock(s);                                                \
		}                                                                       \
		Py_END_ALLOW_THREADS                                                    \
	} while (0)

static int Store_init(StoreObject *self, PyObject *args, PyObject *kw)
{
	static char *kwl[] = {"config", NULL};
	PyObject *config = Py_None;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:Store", kwl, &config))
		return -1;
	if (config != Py_None) {
		PyObject *b = NULL;
		if (!PyUnicode_FSConverter(config, &b))
			return -1;
		free(self->config);
		self->config = strdup(PyBytes_AS_STRING(b));
		Py_DECREF(b);
		if (!self->config) {
			PyErr_NoMemory();
			return -1;
		}
	}
	return 0;
}

static PyObject *Store_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	StoreObject *self = (StoreObject *)type->tp_alloc(type, 0);

	(void)args;
	(void)kw;
	if (!self)
		return NULL;
	pthread_mutex_init(&self->lock, NULL);
	pthread_mutex_lock(&stores_lock);
	self->next = stores;
	stores = self;
	pthread_mutex_unlock(&stores_lock);
	return (PyObject *)self;
}

static void Store_dealloc(StoreObject *self)
{
	pthread_mutex_lock(&stores_lock);
	for (StoreObject **p = &stores; *p; p = (StoreObject **)&(*p)->next)
		if (*p == self) {
			*p = self->next;
			break;
		}
	pthread_mutex_unlock(&stores_lock);
	vds_ctx_free(self->ctx);
	pthread_mutex_destroy(&self->lock);
	free(self->config);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Finds dataset DS (a name or an id) and writes its id; a status. */
static int dataset_of(vds_ctx *ctx, const char *ds, char id[VDS_DSID_LEN + 1])
{
	vds_dataset d = {0};
	int r = vds_dataset_get(ctx, ds, &d);

	if (r == 0)
		memcpy(id, d.id, VDS_DSID_LEN + 1);
	vds_dataset_release(&d);
	return r;
}

/* A dict of dataset D. */
static PyObject *dataset_dict(const vds_dataset *d)
{
	return Py_BuildValue("{s:s,s:s,s:s,s:s,s:L}", "id", d->id, "name", d->name, "description",
			     d->description ? d->description : "", "provider", d->provider_id,
			     "created_us", (long long)d->created_us);
}

PyDoc_STRVAR(datasets_doc, "datasets() -> list of dicts (id, name, description, provider, "
			   "created_us), sorted by name.");
static PyObject *Store_datasets(StoreObject *self, PyObject *unused)
{
	vds_dataset *v = NULL;
	size_t n = 0;
	int r;

	(void)unused;
	CORE(self, r = vds_dataset_list(ctx, &v, &n));
	if (r < 0)
		return vdspy_raise(r);
	PyObject *list = PyList_New(0);
	for (size_t i = 0; list && i < n; i++) {
		PyObject *d = dataset_dict(&v[i]);
		if (!d || PyList_Append(list, d) < 0)
			Py_CLEAR(list);
		Py_XDECREF(d);
	}
	vds_dataset_list_free(v, n);
	return list;
}

/* A dict of version V. */
static PyObject *version_dict(const vds_version *v)
{
	PyObject *tags = PyTuple_New((Py_ssize_t)v->ntags);
	for (size_t i = 0; tags && i < v->ntags; i++) {
		PyObject *t = PyUnicode_DecodeFSDefault(v->tags[i]);
		if (!t) {
			Py_CLEAR(tags);
			break;
		}
		PyTuple_SET_ITEM(tags, (Py_ssize_t)i, t);
	}
	if (!tags)
		return NULL;
	return Py_BuildValue("{s:s,s:s,s:L,s:O,s:L,s:K,s:K,s:N}", "id", v->id, "message",
			     v->message ? v->message : "", "created_us", (long long)v->created_us,
			     "committed", v->committed ? Py_True : Py_False, "committed_us",
			     (long long)v->committed_us, "file_count",
			     (unsigned long long)v->file_count, "total_size",
			     (unsigned long long)v->total_size, "tags", tags);
}

PyDoc_STRVAR(versions_doc, "versions(dataset) -> list of dicts (id, message, committed, "
			   "file_count, total_size, tags, ...), newest first.");
static PyObject *Store_versions(StoreObject *self, PyObject *args)
{
	const char *ds;
	vds_version *v = NULL;
	size_t n = 0;
	int r;

	if (!PyArg_ParseTuple(args, "s:versions", &ds))
		return NULL;
	CORE(self, char id[VDS_DSID_LEN + 1];
	     if ((r = dataset_of(ctx, ds, id)) == 0) r = vds_version_list(ctx, id, &v, &n));
	if (r < 0)
		return vdspy_raise(r);
	PyObject *list = PyList_New(0);
	for (size_t i = 0; list && i < n; i++) {
		PyObject *d = version_dict(&v[i]);
		if (!d || PyList_Append(list, d) < 0)
			Py_CLEAR(list);
		Py_XDECREF(d);
	}
	vds_version_list_free(v, n);
	return list;
}

PyDoc_STRVAR(tags_doc, "tags(dataset) -> dict of tag name to version id.");
static PyObject *Store_tags(StoreObject *self, PyObject *args)
{
	const char *ds;
	vds_tag *t = NULL;
	size_t n = 0;
	int r;

	if (!PyArg_ParseTuple(args, "s:tags", &ds))
		return NULL;
	CORE(self, char id[VDS_DSID_LEN + 1];
	     if ((r = dataset_of(ctx, ds, id)) == 0) r = vds_tag_list(ctx, id, &t, &n));
	if (r < 0)
		return vdspy_raise(r);
	PyObject *dict = PyDict_New();
	for (size_t i = 0; dict && i < n; i++) {
		PyObject *ver = PyUnicode_FromString(t[i].version);
		if (!ver || PyDict_SetItemString(dict, t[i].name, ver) < 0)
			Py_CLEAR(dict);
		Py_XDECREF(ver);
	}
	vds_tag_list_free(t, n);
	return dict;
}

PyDoc_STRVAR(create_dataset_doc, "create_dataset(name, description='', provider=None) -> dict "
				 "of the new dataset.");
static PyObject *Store_create_dataset(StoreObject *self, PyObject *args, PyObject *kw)
{
	static char *kwl[] = {"name", "description", "provider", NULL};
	const char *name, *desc = "", *prov = NULL;
	vds_dataset d = {0};
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|sz:create_dataset", kwl, &name, &desc, &prov))
		return NULL;
	CORE(self, r = vds_dataset_create(ctx, name, desc, prov, &d));
	if (r < 0)
		return vdspy_raise(r);
	PyObject *o = dataset_dict(&d);
	vds_dataset_release(&d);
	return o;
}

/* Creates a draft of dataset DS (with the files of version BASE, or none); writes ID. */
static int draft_create(vds_ctx *ctx, const char *ds, const char *msg, const char *base,
			char id[VDS_VERID_LEN + 1])
{
	vds_resolved res = {0};
	int r;

	if (!base) {
		vds_dataset d = {0};
		if ((r = vds_dataset_get(ctx, ds, &d)) == 0)
			r = vds_version_create(ctx, d.id, msg, NULL, id);
		vds_dataset_release(&d);
		return r;
	}
	size_t n = strlen(ds) + strlen(base) + 2;
	char *ref = malloc(n);
	if (!ref)
		return VDS_ERR;
	snprintf(ref, n, "%s:%s", ds, base);
	if ((r = vds_ref_resolve(ctx, ref, true, &res)) == 0)
		r = vds_version_create(ctx, res.dataset.id, msg, res.version, id);
	vds_resolved_release(&res);
	free(ref);
	return r;
}

PyDoc_STRVAR(create_draft_doc, "create_draft(dataset, message='', base=None) -> version id of "
			       "a new draft (BASE: a version whose files it starts with).");
static PyObject *Store_create_draft(StoreObject *self, PyObject *args, PyObject *kw)
{
	static char *kwl[] = {"dataset", "message", "base", NULL};
	const char *ds, *msg = "", *base = NULL;
	char id[VDS_VERID_LEN + 1] = "";
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "s|sz:create_draft", kwl, &ds, &msg, &base))
		return NULL;
	CORE(self, r = draft_create(ctx, ds, msg, base, id));
	if (r < 0)
		return vdspy_raise(r);
	return PyUnicode_FromString(id);
}

PyDoc_STRVAR(put_doc, "put(dataset, draft, sources, target='/') -> dict (files, bytes, "
		      "stored_bytes, skipped): local paths, http(s):// or s3:// URLs into the "
		      "draft under TARGET; all or nothing.");
static PyObject *Store_put(StoreObject *self, PyObject *args, PyObject *kw)
{
	static char *kwl[] = {"dataset", "draft", "sources", "target", NULL};
	const char *ds, *ver, *target = "/";
	PyObject *srcs, *seq = NULL, **bytes = NULL;
	vds_source *v = NULL;
	vds_put_result res = {0};
	Py_ssize_t n = 0;
	int r = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "ssO|s:put", kwl, &ds, &ver, &srcs, &target))
		return NULL;
	if (PyUnicode_Check(srcs) || PyBytes_Check(srcs) || PyObject_HasAttrString(srcs, "__fspath__"))
		seq = PyTuple_Pack(1, srcs);
	else
		seq = PySequence_Fast(srcs, "sources must be a path or a list of paths");
	if (!seq)
		return NULL;
	n = PySequence_Fast_GET_SIZE(seq);
	v = PyMem_Calloc((size_t)n + 1, sizeof(*v));
	bytes = PyMem_Calloc((size_t)n + 1, sizeof(*bytes));
	if (!v || !bytes) {
		PyErr_NoMemory();
		goto out;
	}
	for (Py_ssize_t i = 0; i < n; i++) {
		if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(seq, i), &bytes[i]))
			goto out;
		v[i].location = PyBytes_AS_STRING(bytes[i]);
	}
	CORE(self, char id[VDS_DSID_LEN + 1]; if ((r = dataset_of(ctx, ds, id)) == 0) r =
			   vds_files_add(ctx, id, ver, v, (size_t)n, target, NULL, &res));
	if (r < 0) {
		vdspy_raise(r);
		goto out;
	}
	r = 1;
out:
	for (Py_ssize_t i = 0; bytes && i < n; i++)
		Py_XDECREF(bytes[i]);
	PyMem_Free(bytes);
	PyMem_Free(v);
	Py_DECREF(seq);
	if (r != 1)
		return NULL;
	return Py_BuildValue("{s:K,s:K,s:K,s:K}", "files", (unsigned long long)res.files, "bytes",
			     (unsigned long long)res.bytes, "stored_bytes",
			     (unsigned long long)res.stored_bytes, "skipped",
			     (unsigned long long)res.skipped);
}

PyDoc_STRVAR(commit_doc, "commit(dataset, draft): the draft's files become immutable.");
static PyObject *Store_commit(StoreObject *self, PyObject *args)
{
	const char *ds, *ver;
	int r;

	if (!PyArg_ParseTuple(args, "ss:commit", &ds, &ver))
		return NULL;
	CORE(self, char id[VDS_DSID_LEN + 1];
	     if ((r = dataset_of(ctx, ds, id)) == 0) r = vds_version_commit(ctx, id, ver));
	if (r < 0)
		return vdspy_raise(r);
	Py_RETURN_NONE;
}

PyDoc_STRVAR(set_tag_doc, "set_tag(dataset, version, name): points tag NAME at a committed "
			  "version, moving it if it exists.");
static PyObject *Store_set_tag(StoreObject *self, PyObject *args)
{
	const char *ds, *ver, *name;
	int r;

	if (!PyArg_ParseTuple(args, "sss:set_tag", &ds, &ver, &name))
		return NULL;
	CORE(self, char id[VDS_DSID_LEN + 1];
	     if ((r = dataset_of(ctx, ds, id)) == 0) r = vds_tag_set(ctx, id, ver, name));
	if (r < 0)
		return vdspy_raise(r);
	Py_RETURN_NONE;
}

PyDoc_STRVAR(open_doc, "open(ref) -> Version: 'DATASET:REF' (a version id, a tag or latest; "
		       "'DATASET' alone is its latest version).");
static PyObject *Store_open(StoreObject *self, PyObject *args)
{
	const char *ref;
	vds_resolved res = {0};
	vds_version v = {0};
	vds_tree *tree = NULL;
	char *name = NULL;
	int r;

	if (!PyArg_ParseTuple(args, "s:open", &ref))
		return NULL;
	CORE(self, if ((r = vds_ref_resolve(ctx, ref, true, &res)) == 0 &&
		       (r = vds_version_get(ctx, res.dataset.id, res.version, &v)) == 0) r =
			   vds_tree_open(ctx, res.dataset.id, res.version, &tree));
	if (r == 0 && !(name = strdup(res.dataset.name)))
		r = VDS_ERR;
	VersionObject *o = NULL;
	PyObject *info = NULL;
	PyObject *dsname = r == 0 ? PyUnicode_DecodeFSDefault(name) : NULL;
	if (dsname && (info = version_dict(&v)) &&
	    PyDict_SetItemString(info, "dataset_name", dsname) == 0 &&
	    (o = PyObject_New(VersionObject, &VersionType))) {
		Py_INCREF(self);
		o->store = self;
		memcpy(o->ds, res.dataset.id, sizeof(o->ds));
		memcpy(o->ver, res.version, sizeof(o->ver));
		o->info = info;
		o->tree = tree;
		o->reader = NULL;
		o->gen = self->gen;
		tree = NULL;
		info = NULL;
	}
	vds_tree_free(tree);
	Py_XDECREF(dsname);
	Py_XDECREF(info);
	vds_version_release(&v);
	vds_resolved_release(&res);
	free(name);
	if (r < 0)
		return vdspy_raise(r);
	return (PyObject *)o;
}

static PyMethodDef Store_methods[] = {
	{"datasets", (PyCFunction)Store_datasets, METH_NOARGS, datasets_doc},
	{"versions", (PyCFunction)Store_versions, METH_VARARGS, versions_doc},
	{"tags", (PyCFunction)Store_tags, METH_VARARGS, tags_doc},
	{"create_dataset", (PyCFunction)(void (*)(void))Store_create_dataset,
	 METH_VARARGS | METH_KEYWORDS, create_dataset_doc},
	{"create_draft", (PyCFunction)(void (*)(void))Store_create_draft,
	 METH_VARARGS | METH_KEYWORDS, create_draft_doc},
	{"put", (PyCFunction)(void (*)(void))Store_put, METH_VARARGS | METH_KEYWORDS, put_doc},
	{"commit", (PyCFunction)Store_commit, METH_VARARGS, commit_doc},
	{"set_tag", (PyCFunction)Store_set_tag, METH_VARARGS, set_tag_doc},
	{"open", (PyCFunction)Store_open, METH_VARARGS, open_doc},
	{NULL, NULL, 0, NULL},
};

PyTypeObject StoreType = {
	PyVarObject_HEAD_INIT(NULL, 0).tp_name = "vds.Store",
	.tp_basicsize = sizeof(StoreObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = PyDoc_STR("Store(config=None): the vds configuration at CONFIG (default: "
			    "$VDS_HOME/config.json, else $XDG_CONFIG_HOME/vds/config.json) "
			    "and the datasets of its storage providers."),
	.tp_new = Store_new,
	.tp_init = (initproc)Store_init,
	.tp_dealloc = (destructor)Store_dealloc,
	.tp_methods = Store_methods,
};
