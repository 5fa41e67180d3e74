/*
 * errors.c - vds.Error and its subclasses, one per core status, each
 * carrying the core's one-line message and its code.
 */
#include "module.h"

static struct {
	int status;
	const char *name, *doc;
	PyObject **base2; /* a built-in exception it also is, or NULL */
	PyObject *cls;
} classes[] = {
	{VDS_EUSAGE, "UsageError", "A call was made with bad arguments.", &PyExc_ValueError, NULL},
	{VDS_ENOTFOUND, "NotFound", "No such dataset, version, tag, file or provider.",
	 &PyExc_FileNotFoundError, NULL},
	{VDS_EINVAL, "Invalid", "A malformed reference, name or path.", &PyExc_ValueError, NULL},
	{VDS_ECOMMITTED, "Committed", "An attempt to change a committed version.", NULL, NULL},
	{VDS_ECONFLICT, "Conflict", "The state forbids it (it exists, tags point at it).", NULL,
	 NULL},
	{VDS_EIO, "IOFailed", "An unreadable source or a failed write or transfer.", NULL, NULL},
	{VDS_ENOSPC, "NoSpace", "The disk is full.", NULL, NULL},
	{VDS_ECORRUPT, "Corrupt", "Malformed metadata, or content that does not match its hash.",
	 NULL, NULL},
	{VDS_ECANCELED, "Cancelled", "The operation was cancelled.", NULL, NULL},
};
static PyObject *error_base;

int vdspy_errors_init(PyObject *m)
{
	error_base = PyErr_NewExceptionWithDoc(
		"vds.Error",
		"A vds failure: str() is the one-line message, .code the core status (negative)"
		" and .exit_code what the vds program would exit with.",
		NULL, NULL);
	if (!error_base || PyModule_AddObjectRef(m, "Error", error_base) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		char name[64];
		PyObject *bases = classes[i].base2
					  ? PyTuple_Pack(2, error_base, *classes[i].base2)
					  : PyTuple_Pack(1, error_base);
		if (!bases)
			return -1;
		snprintf(name, sizeof(name), "vds.%s", classes[i].name);
		classes[i].cls = PyErr_NewExceptionWithDoc(name, classes[i].doc, bases, NULL);
		Py_DECREF(bases);
		if (!classes[i].cls || PyModule_AddObjectRef(m, classes[i].name, classes[i].cls) < 0)
			return -1;
	}
	return 0;
}

PyObject *vdspy_raise_msg(int r, const char *msg)
{
	PyObject *cls = error_base;

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].status == r)
			cls = classes[i].cls;
	PyObject *exc = PyObject_CallFunction(cls, "s", msg);
	if (!exc)
		return NULL;
	PyObject *code = PyLong_FromLong(r), *exit_code = PyLong_FromLong(vds_exit_code(r));
	if (code && exit_code && PyObject_SetAttrString(exc, "code", code) == 0 &&
	    PyObject_SetAttrString(exc, "exit_code", exit_code) == 0)
		PyErr_SetObject(cls, exc);
	Py_XDECREF(code);
	Py_XDECREF(exit_code);
	Py_DECREF(exc);
	return NULL;
}

PyObject *vdspy_raise(int r)
{
	return vdspy_raise_msg(r, vds_errmsg());
}
