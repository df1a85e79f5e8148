/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_groups.c - the group list of AIGATE_GROUPS and X-Aigate-Groups
 * (aig_groups_join(), aig_groups_split()). The invariants:
 *  - round trip: for any list of non-empty names (the input cut at its
 *    NUL bytes: names holding ',', '%' and control characters included),
 *    split(join(v)) gives v back, name for name; a list holding an empty
 *    name is never turned into another list: split refuses it, or the
 *    single empty name reads back as no groups;
 *  - split of any text (the input up to its first NUL): on success every
 *    name is non-empty, no name was dropped or merged (one name per
 *    unescaped ','), and join then split gives the same names again. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "aig_common.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_strv(const struct aig_strv *a, const struct aig_strv *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* The input cut at every NUL into names (borrowing from copy). */
static void cut_names(char *copy, size_t size, struct aig_strv *v)
{
	size_t i, start = 0;

	v->n = 0;
	for (i = 0; i <= size; i++) {
		if (i < size && copy[i] != '\0')
			continue;
		v->v[v->n++] = copy + start;
		start = i + 1;
	}
}

static void round_trip(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *joined;
	struct aig_strv v = {calloc(size + 1, sizeof(char *)), 0}, back;
	bool empty_name = false;
	size_t i;
	int rc;

	FUZZ_CHECK(copy != NULL && v.v != NULL);
	memcpy(copy, data, size);
	copy[size] = '\0';
	cut_names(copy, size, &v);
	for (i = 0; i < v.n; i++)
		empty_name |= v.v[i][0] == '\0';
	joined = aig_groups_join(&v);
	FUZZ_CHECK(joined != NULL);
	rc = aig_groups_split(joined, &back, NULL);
	if (!empty_name)
		FUZZ_CHECK(rc == AIG_OK && same_strv(&v, &back));
	else
		FUZZ_CHECK(rc == AIG_ERR_INVALID ||
			   (rc == AIG_OK && v.n == 1 && back.n == 0));
	aig_strv_free(&back);
	free(joined);
	free(v.v);
	free(copy);
}

static void split_any(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size), *joined;
	struct aig_strv v, again;
	size_t i, commas = 0;
	int rc;

	FUZZ_CHECK(text != NULL);
	if (aig_groups_split(text, &v, NULL) != AIG_OK) {
		FUZZ_CHECK(v.n == 0 && v.v == NULL);
		free(text);
		return;
	}
	for (i = 0; text[i] != '\0'; i++)
		commas += text[i] == ',';
	FUZZ_CHECK(text[0] == '\0' ? v.n == 0 : v.n == commas + 1);
	for (i = 0; i < v.n; i++)
		FUZZ_CHECK(v.v[i] != NULL && v.v[i][0] != '\0');
	joined = aig_groups_join(&v);
	FUZZ_CHECK(joined != NULL);
	rc = aig_groups_split(joined, &again, NULL);
	FUZZ_CHECK(rc == AIG_OK && same_strv(&v, &again));
	aig_strv_free(&again);
	aig_strv_free(&v);
	free(joined);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	round_trip(data, size);
	split_any(data, size);
	return 0;
}
