/*
 * keys.c - key bindings. Keys become named actions before any pane sees
 * them; the defaults come from the UI_ACTIONS list, which also gives the
 * help screen, and a "keys.conf" file beside the configuration can rebind.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

static const struct {
	const char *name, *keys, *help;
} actions[ACT_COUNT] = {
#define X(id, name, keys, help) [ACT_##id] = {name, keys, help},
	UI_ACTIONS(X)
#undef X
};

static enum ui_action bindings[KEY_MAX + 1];
static bool mouse_on = true;

bool keys_mouse(void)
{
	return mouse_on;
}

static const struct {
	const char *name;
	int key;
} named[] = {
	{"Up", KEY_UP}, {"Down", KEY_DOWN}, {"Left", KEY_LEFT}, {"Right", KEY_RIGHT},
	{"PageUp", KEY_PPAGE}, {"PageDown", KEY_NPAGE}, {"Home", KEY_HOME}, {"End", KEY_END},
	{"Tab", '\t'}, {"BackTab", KEY_BTAB}, {"Enter", '\n'}, {"Backspace", KEY_BACKSPACE},
	{"Esc", 27}, {"Space", ' '}, {"Delete", KEY_DC}, {"F1", KEY_F(1)},
};

int keys_parse(const char *name, size_t len)
{
	if (len == 1)
		return (unsigned char)name[0];
	if (len == 2 && name[0] == '^' && name[1] >= '@' && name[1] <= '_')
		return name[1] - '@';
	if (len == 2 && name[0] == '^' && name[1] >= 'a' && name[1] <= 'z')
		return name[1] - 'a' + 1;
	if (len > 2 && name[0] == '<' && name[len - 1] == '>')
		for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
			if (strlen(named[i].name) == len - 2 && !strncmp(named[i].name, name + 1, len - 2))
				return named[i].key;
	return -1;
}

/* Binds KEY, with the other codes terminals send for the same key. */
static void bind_key(int key, enum ui_action a)
{
	static const int same[][3] = {{'\n', '\r', KEY_ENTER}, {KEY_BACKSPACE, 127, 8}};

	bindings[key] = a;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (key == same[i][0] || key == same[i][1] || key == same[i][2])
			for (int k = 0; k < 3; k++)
				bindings[same[i][k]] = a;
}

static void bind_defaults(void)
{
	memset(bindings, 0, sizeof(bindings));
	for (int a = 1; a < ACT_COUNT; a++) {
		const char *k = actions[a].keys;
		while (*k) {
			size_t n = strcspn(k, " ");
			int key = keys_parse(k, n);
			if (key >= 0 && key <= KEY_MAX)
				bind_key(key, (enum ui_action)a);
			k += n;
			while (*k == ' ')
				k++;
		}
	}
}

int keys_init(const char *path, char *err, size_t errlen)
{
	char line[256];
	int lineno = 0;
	FILE *f;

	bind_defaults();
	mouse_on = true;
	if (!path || !(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char key[64], act[64], extra[2];
		int key_code = -1, n;

		lineno++;
		if (line[strspn(line, " \t")] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (sscanf(line, " set mouse %63s %1s", act, extra) == 1 &&
		    (!strcmp(act, "on") || !strcmp(act, "off"))) {
			mouse_on = !strcmp(act, "on");
			continue;
		}
		n = sscanf(line, " bind %63s %63s %1s", key, act, extra);
		if (n == 2)
			key_code = keys_parse(key, strlen(key));
		enum ui_action a = ACT_NONE;
		for (int i = 1; i < ACT_COUNT && n == 2; i++)
			if (!strcmp(actions[i].name, act))
				a = (enum ui_action)i;
		if (n != 2 || key_code < 0 || key_code > KEY_MAX || (a == ACT_NONE && strcmp(act, "none"))) {
			snprintf(err, errlen, "%s:%d: expected 'bind KEY ACTION' or 'set mouse on|off'", path,
				 lineno);
			fclose(f);
			return -1;
		}
		bind_key(key_code, a);
	}
	fclose(f);
	return 0;
}

enum ui_action keys_action(int key)
{
	return key >= 0 && key <= KEY_MAX ? bindings[key] : ACT_NONE;
}

const char *keys_action_name(enum ui_action a)
{
	return a > 0 && a < ACT_COUNT ? actions[a].name : "none";
}

/* Writes the name of KEY into BUF. */
static void describe_key(int key, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (named[i].key == key) {
			snprintf(buf, len, "<%s>", named[i].name);
			return;
		}
	if (key > 0 && key < 32)
		snprintf(buf, len, "^%c", key + '@');
	else if (key >= 32 && key < 127)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "<%d>", key);
}

/* True if KEY is one of the default keys of action A. */
static bool is_default(enum ui_action a, int key)
{
	for (const char *k = actions[a].keys; *k;) {
		size_t n = strcspn(k, " ");
		if (keys_parse(k, n) == key)
			return true;
		k += n;
		k += strspn(k, " ");
	}
	return false;
}

void keys_describe(enum ui_action a, const char **help, char *keys, size_t keyslen)
{
	size_t used = 0;
	char name[32];

	*help = actions[a].help;
	keys[0] = '\0';
	/* the default keys still bound, in the order the list gives them */
	for (const char *k = actions[a].keys; *k && used + 16 < keyslen;) {
		size_t n = strcspn(k, " ");
		int key = keys_parse(k, n);
		if (key >= 0 && key <= KEY_MAX && bindings[key] == a) {
			describe_key(key, name, sizeof(name));
			used += (size_t)snprintf(keys + used, keyslen - used, "%s%s", used ? " " : "", name);
		}
		k += n;
		k += strspn(k, " ");
	}
	/* then keys bound by keys.conf */
	for (int key = 0; key <= KEY_MAX && used + 16 < keyslen; key++) {
		if (bindings[key] != a || is_default(a, key) || key == '\r' || key == KEY_ENTER ||
		    key == 127 || key == 8)
			continue;
		describe_key(key, name, sizeof(name));
		used += (size_t)snprintf(keys + used, keyslen - used, "%s%s", used ? " " : "", name);
	}
}
