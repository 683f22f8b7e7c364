/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A main() for the fuzz targets in builds without libFuzzer (gcc, the ASan
 * build, valgrind): runs every file of the directories (or the files) named
 * on the command line through LLVMFuzzerTestOneInput once, in name order.
 * The seed corpus and the regression inputs of crashes found by fuzzing are
 * replayed this way by every build's unit suite.
 */
#include "config.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz-util.h"

static int cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool run_file(const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *data = NULL;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		g_printerr("%s\n", error->message);
		return false;
	}
	/* a copy of exactly @len bytes, so ASan sees a read past the input */
	{
		g_autofree uint8_t *copy = g_memdup2(data, len);

		LLVMFuzzerTestOneInput(len > 0 ? copy : (const uint8_t *)"", len);
	}
	return true;
}

int main(int argc, char **argv)
{
	unsigned n = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GDir) dir = NULL;
		const char *name;

		if (!g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			if (!run_file(argv[i]))
				return 1;
			n++;
			continue;
		}
		dir = g_dir_open(argv[i], 0, NULL);
		if (dir == NULL) {
			g_printerr("cannot open %s\n", argv[i]);
			return 1;
		}
		while ((name = g_dir_read_name(dir)) != NULL)
			g_ptr_array_add(names, g_build_filename(argv[i], name, NULL));
		g_ptr_array_sort(names, cmp_names);
		for (guint k = 0; k < names->len; k++) {
			if (!run_file(g_ptr_array_index(names, k)))
				return 1;
			n++;
		}
	}
	fuzz_target_cleanup();
	g_print("%s: %u input(s) replayed, no crash, every property held\n", argv[0], n);
	return n > 0 ? 0 : 1;
}
