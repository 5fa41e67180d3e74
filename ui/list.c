/* list.c - the list every pane shows: cursor, scrolling, filter, sort. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ui.h"
#include "util.h"

static const char *sort_names[] = {"default", "name", "size", "date"};

void list_clear(ui_list *l)
{
	for (size_t i = 0; i < l->nall; i++)
		free(l->all[i].text);
	free(l->all);
	free(l->shown);
	l->all = NULL;
	l->shown = NULL;
	l->nall = l->nshown = l->cursor = l->top = 0;
}

/* Clears L but its filter and sort, and gives it ROWS[0..N). */
static void list_take(ui_list *l, ui_row *rows, size_t n)
{
	char filter[sizeof(l->filter)];
	int sort = l->sort;

	memcpy(filter, l->filter, sizeof(filter));
	list_clear(l);
	memcpy(l->filter, filter, sizeof(filter));
	l->sort = sort;
	l->all = rows;
	l->nall = n;
}

void list_set(ui_list *l, ui_row *rows, size_t n)
{
	list_take(l, rows, n);
	list_refresh(l);
	l->cursor = l->top = 0;
}

void list_set_shown(ui_list *l, ui_row *rows, size_t n, size_t *shown, size_t nshown)
{
	list_take(l, rows, n);
	l->shown = shown;
	l->nshown = nshown;
}

/* What a sort compares: the rows and the order (qsort_r's argument, so any thread may sort). */
typedef struct sorting {
	const ui_row *all;
	int sort;
} sorting;

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const sorting *s = arg;
	const ui_row *x = &s->all[*(const size_t *)a], *y = &s->all[*(const size_t *)b];
	int c = 0;

	if (s->sort == 2)
		c = x->size < y->size ? 1 : x->size > y->size ? -1 : 0; /* largest first */
	else if (s->sort == 3)
		c = x->date < y->date ? 1 : x->date > y->date ? -1 : 0; /* newest first */
	if (c == 0 && s->sort != 0)
		c = strcmp(x->text, y->text);
	if (c == 0)
		c = x->index < y->index ? -1 : x->index > y->index;
	return c;
}

size_t list_filter_sort(const ui_row *all, size_t nall, const char *filter, int sort, size_t *shown)
{
	size_t n = 0;

	for (size_t i = 0; i < nall; i++)
		if (!*filter || strcasestr(all[i].text, filter))
			shown[n++] = i;
	if (sort && n > 1)
		qsort_r(shown, n, sizeof(*shown), cmp_rows, &(sorting){all, sort});
	return n;
}

void list_refresh(ui_list *l)
{
	const ui_row *sel = list_selected(l);
	size_t keep = sel ? sel->index : (size_t)-1;

	free(l->shown);
	l->shown = xmalloc((l->nall + 1) * sizeof(*l->shown));
	l->nshown = list_filter_sort(l->all, l->nall, l->filter, l->sort, l->shown);
	l->cursor = 0;
	if (keep != (size_t)-1)
		list_select_index(l, keep);
	if (l->top > l->cursor)
		l->top = l->cursor;
}

const ui_row *list_selected(const ui_list *l)
{
	return l->nshown ? &l->all[l->shown[l->cursor]] : NULL;
}

bool list_move(ui_list *l, enum ui_action a, int page)
{
	size_t old = l->cursor, last = l->nshown ? l->nshown - 1 : 0;

	if (page < 1)
		page = 1;
	switch (a) {
	case ACT_UP: l->cursor = l->cursor ? l->cursor - 1 : 0; break;
	case ACT_DOWN: l->cursor = l->cursor < last ? l->cursor + 1 : last; break;
	case ACT_PAGE_UP: l->cursor = l->cursor > (size_t)page ? l->cursor - (size_t)page : 0; break;
	case ACT_PAGE_DOWN: l->cursor = l->cursor + (size_t)page < last ? l->cursor + (size_t)page : last; break;
	case ACT_HOME: l->cursor = 0; break;
	case ACT_END: l->cursor = last; break;
	case ACT_NEXT_MATCH: l->cursor = l->nshown ? (l->cursor + 1) % l->nshown : 0; break;
	case ACT_PREV_MATCH: l->cursor = l->nshown ? (l->cursor + l->nshown - 1) % l->nshown : 0; break;
	default: break;
	}
	return l->cursor != old;
}

bool list_select_index(ui_list *l, size_t index)
{
	for (size_t i = 0; i < l->nshown; i++)
		if (l->all[l->shown[i]].index == index) {
			l->cursor = i;
			return true;
		}
	return false;
}

void list_scroll(ui_list *l, int height)
{
	if (height < 1)
		height = 1;
	if (l->cursor < l->top)
		l->top = l->cursor;
	if (l->cursor >= l->top + (size_t)height)
		l->top = l->cursor - (size_t)height + 1;
	if (l->nshown <= (size_t)height)
		l->top = 0;
	else if (l->top + (size_t)height > l->nshown)
		l->top = l->nshown - (size_t)height;
}

const char *list_cycle_sort(ui_list *l)
{
	l->sort = (l->sort + 1) % 4;
	list_refresh(l);
	return sort_names[l->sort];
}

const char *list_sort_name(const ui_list *l)
{
	return sort_names[l->sort];
}
