/*
 * hdf5.c - HDF5 files through libhdf5 (reading through hdf5_vfd.c): the
 * tree of groups and datasets with shapes, types and attributes, from the
 * superblock and object headers only. The head, and at most HDF5_REQUESTS
 * blocks more; a tree spread wider says where it stopped.
 */
#include "config.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "hdf5_vfd.h"
#include "pv.h"
#include "util.h"

#define HDF5_OBJECTS 500

/* A type as "float32", "int64", "string", "compound"... into OUT. */
static void type_name(hid_t t, char *out, size_t n)
{
	size_t sz = H5Tget_size(t);

	switch (H5Tget_class(t)) {
	case H5T_INTEGER:
		snprintf(out, n, "%s%zu", H5Tget_sign(t) == H5T_SGN_NONE ? "uint" : "int", sz * 8);
		break;
	case H5T_FLOAT: snprintf(out, n, "float%zu", sz * 8); break;
	case H5T_STRING: snprintf(out, n, "%s", H5Tis_variable_str(t) > 0 ? "string" : "fixed string"); break;
	case H5T_COMPOUND: snprintf(out, n, "compound (%d fields)", H5Tget_nmembers(t)); break;
	case H5T_ENUM: snprintf(out, n, "enum"); break;
	case H5T_ARRAY: snprintf(out, n, "array"); break;
	case H5T_OPAQUE: snprintf(out, n, "opaque"); break;
	case H5T_REFERENCE: snprintf(out, n, "reference"); break;
	case H5T_VLEN: snprintf(out, n, "variable-length"); break;
	case H5T_BITFIELD: snprintf(out, n, "bitfield"); break;
	default: snprintf(out, n, "?"); break;
	}
}

/* A dataspace's shape as "(3, 4)" or "scalar" into SB. */
static void shape_of(hid_t space, strbuf *sb)
{
	hsize_t dims[32];
	int nd = H5Sget_simple_extent_ndims(space);

	if (nd <= 0 || nd > 32) {
		sb_adds(sb, nd == 0 ? "scalar" : "?");
		return;
	}
	H5Sget_simple_extent_dims(space, dims, NULL);
	sb_addc(sb, '(');
	for (int i = 0; i < nd; i++)
		sb_addf(sb, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
	sb_adds(sb, nd == 1 ? ",)" : ")");
}

typedef struct walk {
	ui_preview *p;
	size_t objects;
} walk;

static herr_t attr_cb(hid_t loc, const char *name, const H5A_info_t *info, void *arg)
{
	ui_preview *p = ((void **)arg)[0];
	const char *indent = ((void **)arg)[1];
	hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
	char tn[48];
	strbuf sb = STRBUF_INIT;

	(void)info;
	if (a < 0)
		return 0;
	hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
	type_name(t, tn, sizeof(tn));
	sb_addf(&sb, "%s@%s: ", indent, name);
	if (H5Sget_simple_extent_ndims(sp) == 0 && H5Tget_class(t) == H5T_FLOAT) {
		double v;
		if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0)
			sb_addf(&sb, "%.6g", v);
	} else if (H5Sget_simple_extent_ndims(sp) == 0 && H5Tget_class(t) == H5T_INTEGER) {
		long long v;
		if (H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0)
			sb_addf(&sb, "%lld", v);
	} else if (H5Sget_simple_extent_ndims(sp) == 0 && H5Tget_class(t) == H5T_STRING &&
		   H5Tis_variable_str(t) > 0) {
		char *v = NULL;
		hid_t mt = H5Tcopy(H5T_C_S1);
		H5Tset_size(mt, H5T_VARIABLE);
		H5Tset_cset(mt, H5Tget_cset(t));
		if (H5Aread(a, mt, &v) >= 0 && v) {
			sb_addf(&sb, "\"%s\"", v);
			H5free_memory(v);
		}
		H5Tclose(mt);
	} else if (H5Sget_simple_extent_ndims(sp) == 0 && H5Tget_class(t) == H5T_STRING) {
		size_t n = H5Tget_size(t);
		if (n < 4096) {
			char *v = xcalloc(1, n + 1);
			if (H5Aread(a, t, v) >= 0)
				sb_addf(&sb, "\"%s\"", v);
			free(v);
		}
	} else {
		sb_adds(&sb, tn);
		sb_addc(&sb, ' ');
		shape_of(sp, &sb);
	}
	pv_add(p, sb_detach(&sb, NULL));
	H5Sclose(sp);
	H5Tclose(t);
	H5Aclose(a);
	return 0;
}

static void attributes(ui_preview *p, hid_t obj, const char *indent)
{
	void *arg[2] = {p, (void *)indent};
	hsize_t idx = 0;

	H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, attr_cb, arg);
}

static herr_t visit_cb(hid_t root, const char *name, const H5O_info_t *info, void *arg)
{
	walk *w = arg;
	char indent[80] = "";
	size_t depth = 0;
	const char *base = name;

	if (!strcmp(name, "."))
		return 0;
	if (++w->objects > HDF5_OBJECTS)
		return 1;
	for (const char *c = name; *c; c++)
		if (*c == '/')
			depth++, base = c + 1;
	for (size_t i = 0; i < depth + 2 && i < 30; i++) /* the name's, then its attributes' */
		strcat(indent, "  ");
	hid_t o = H5Oopen(root, name, H5P_DEFAULT);
	if (o < 0)
		return 0;
	if (info->type == H5O_TYPE_GROUP) {
		pv_addf(w->p, "%.*s%s/", (int)(strlen(indent) - 2), indent, base);
	} else if (info->type == H5O_TYPE_DATASET) {
		hid_t t = H5Dget_type(o), sp = H5Dget_space(o);
		char tn[48];
		strbuf sb = STRBUF_INIT;
		type_name(t, tn, sizeof(tn));
		sb_addf(&sb, "%.*s%s  %s  ", (int)(strlen(indent) - 2), indent, base, tn);
		shape_of(sp, &sb);
		pv_add(w->p, sb_detach(&sb, NULL));
		H5Sclose(sp);
		H5Tclose(t);
	} else {
		pv_addf(w->p, "%.*s%s  (named type)", (int)(strlen(indent) - 2), indent, base);
	}
	attributes(w->p, o, indent);
	H5Oclose(o);
	return 0;
}

bool pv_hdf5(ui_preview *p, pv_src *s)
{
	char size[32];

	pv_size(s->size, size);
	pv_type(p, "application/x-hdf5", "HDF5");
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	hid_t f = pv_hdf5_open(s);
	if (f < 0) {
		pv_addf(p, "%s HDF5 file: libhdf5 cannot open it (%s)",
			pv_hdf5_over_budget() ? "unread" : "damaged", size);
		return true;
	}
	walk w = {p, 0};
	pv_addf(p, "HDF5 file, superblock version %u, %s", s->head[8], size);
	pv_add(p, xstrdup("/"));
	attributes(p, f, "  ");
	if (H5Ovisit(f, H5_INDEX_NAME, H5_ITER_INC, visit_cb, &w) < 0)
		pv_add(p, xstrdup(pv_hdf5_over_budget()
					  ? "(the rest of the tree was not read: past the preview's reads)"
					  : "damaged HDF5 file: its tree could not be read in full"));
	else if (w.objects > HDF5_OBJECTS)
		pv_addf(p, "(the first %d objects)", HDF5_OBJECTS);
	H5Fclose(f);
	return true;
}
