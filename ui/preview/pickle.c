/*
 * pickle.c - Python pickles, named with their protocol and never unpickled
 * (unpickling runs code). The head only: no further request.
 */
#include "config.h"

#include <string.h>

#include "pv.h"
#include "util.h"

int pv_pickle_protocol(const unsigned char *buf, size_t len)
{
	/* protocol 2 and later start with PROTO; 0 and 1 have no mark but their first opcodes */
	if (len >= 3 && buf[0] == 0x80 && buf[1] >= 2 && buf[1] <= 5)
		return buf[1];
	if (len >= 2 && (buf[0] == '(' || buf[0] == ']' || buf[0] == '}'))
		return buf[0] == '(' ? 0 : 1;
	return -1;
}

bool pv_pickle(ui_preview *p, pv_src *s)
{
	bool named = pv_ends(s->name, ".pkl") || pv_ends(s->name, ".pickle");
	int proto = pv_pickle_protocol(s->head, s->headlen);

	if (!named && proto < 2)
		return false;
	pv_type(p, "application/x-python-pickle", "Python pickle");
	if (proto < 0)
		pv_add(p, xstrdup("Python pickle? (named so, but it starts with no pickle opcode)"));
	else if (proto < 2)
		pv_add(p, xstrdup("Python pickle, protocol 0 or 1"));
	else
		pv_addf(p, "Python pickle, protocol %d", proto);
	pv_add(p, xstrdup("not unpickled: loading a pickle runs the code it names"));
	return true;
}
