/*
 * vdsmodule.c - the vds._vds extension module: its types, its exceptions
 * and the fork handlers. The Python package vds (vds/__init__.py) is the
 * interface people use; this module is what it is built on.
 */
#include "module.h"

static struct PyModuleDef vds_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "vds._vds",
	.m_doc = "The vds core library (versioned datasets) for Python: see the vds package.",
	.m_size = -1,
};

PyMODINIT_FUNC PyInit__vds(void);

PyMODINIT_FUNC PyInit__vds(void)
{
	static int forks_handled;
	PyObject *m;

	if (PyType_Ready(&StoreType) < 0 || PyType_Ready(&VersionType) < 0 ||
	    PyType_Ready(&FileType) < 0)
		return NULL;
	if (!forks_handled) {
		if (store_fork_init() < 0)
			return PyErr_Format(PyExc_RuntimeError, "pthread_atfork failed");
		forks_handled = 1;
	}
	if (!(m = PyModule_Create(&vds_module)))
		return NULL;
	if (PyModule_AddObjectRef(m, "Store", (PyObject *)&StoreType) < 0 ||
	    PyModule_AddObjectRef(m, "Version", (PyObject *)&VersionType) < 0 ||
	    PyModule_AddObjectRef(m, "File", (PyObject *)&FileType) < 0 ||
	    vdspy_errors_init(m) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
