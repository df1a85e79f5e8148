/* SPDX-License-Identifier: Apache-2.0 */
/* pam_driver.c - drives a PAM stack through the real libpam
 * (pam_start_confdir), for the PAM module's integration tests.
 *
 *   pam_driver run CONFDIR SERVICE USER OPS
 *       OPS: comma list of auth, acct, chauthtok, open, close. Answers
 *       each echo-off prompt with the next NUL-terminated string of
 *       standard input (no secret on the command line; NUL so that a
 *       password may hold a newline, as sshd's decoy does). Prints
 *       "OP=PAM_CODE_NAME" per step, "groups=..." after auth, and
 *       "msg=..." for each message shown.
 *
 *   pam_driver loop CONFDIR SERVICE USER N
 *       N rounds of auth+acct with the password on stdin
 *       (NUL-terminated); fails if any round fails or open file
 *       descriptors grow.
 *
 *   pam_driver threads CONFDIR SERVICE NTHREADS ROUNDS
 *       stdin lines "user password expected_auth expected_acct"; every
 *       thread runs the whole table ROUNDS times; fails on any mismatch.
 *
 *   pam_driver hold LMDBFILE CONFDIR SERVICE USER OPS
 *       as run, with LMDBFILE open in this process and a read
 *       transaction live across the steps (as aigate.cgi under FastCGI
 *       holds the group cache); then prints "held_readers=N": how many
 *       readers of this process the file's lock table still lists (1,
 *       unless a second open in this process reset it).
 *
 *   pam_driver plant LMDBFILE LOGIN old|nomac GROUPS
 *       writes an entry for LOGIN straight into the group cache, as
 *       anything running as its owner could: the current time, then (for
 *       nomac) 32 bytes where the MAC goes, then GROUPS (comma list).
 *
 *   pam_driver copy LMDBFILE FROM TO
 *       copies FROM's entry in the group cache to TO.
 */
#include "config.h"

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <lmdb.h>
#include <security/pam_appl.h>

#define MAX_ANSWERS 4
#define MAX_CASES 32

struct answers {
	char *v[MAX_ANSWERS];
	int n, next;
	bool quiet;
};

static int conv(int n, const struct pam_message **msg,
		struct pam_response **resp, void *appdata)
{
	struct answers *a = appdata;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF) {
			if (a->next >= a->n) {
				free(r);
				return PAM_CONV_ERR;
			}
			r[i].resp = strdup(a->v[a->next++]);
		} else if (!a->quiet) {
			printf("msg=%s\n", msg[i]->msg);
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const char *code_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_ACCT_EXPIRED: return "PAM_ACCT_EXPIRED";
	case PAM_MAXTRIES: return "PAM_MAXTRIES";
	case PAM_NEW_AUTHTOK_REQD: return "PAM_NEW_AUTHTOK_REQD";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_AUTHTOK_ERR: return "PAM_AUTHTOK_ERR";
	case PAM_AUTHTOK_RECOVERY_ERR: return "PAM_AUTHTOK_RECOVERY_ERR";
	case PAM_SESSION_ERR: return "PAM_SESSION_ERR";
	case PAM_CONV_ERR: return "PAM_CONV_ERR";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	default: return "PAM_OTHER";
	}
}

static void read_answers(struct answers *a)
{
	char *line = NULL;
	size_t cap = 0;

	while (a->n < MAX_ANSWERS && getdelim(&line, &cap, '\0', stdin) > 0)
		a->v[a->n++] = strdup(line);
	free(line);
}

static void free_answers(struct answers *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
}

static int step(pam_handle_t *pamh, const char *op)
{
	if (strcmp(op, "auth") == 0)
		return pam_authenticate(pamh, 0);
	if (strcmp(op, "acct") == 0)
		return pam_acct_mgmt(pamh, 0);
	if (strcmp(op, "chauthtok") == 0)
		return pam_chauthtok(pamh, 0);
	if (strcmp(op, "open") == 0)
		return pam_open_session(pamh, 0);
	if (strcmp(op, "close") == 0)
		return pam_close_session(pamh, 0);
	return PAM_SYSTEM_ERR;
}

/* Whether a library whose path contains name ("/libldap") is mapped in
 * this process: pam_aigate.so loads its directory code (and so libldap)
 * only when a login needs the DC, and OpenSSL's libcrypto not at all for
 * a login answered from its cache. */
static bool lib_loaded(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	bool found = false;

	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, name) != NULL;
	if (f != NULL)
		fclose(f);
	return found;
}

static int cmd_run(const char *confdir, const char *service, const char *user,
		   char *ops)
{
	struct answers a = {0};
	struct pam_conv c = {conv, &a};
	pam_handle_t *pamh = NULL;
	char *op, *save = NULL;
	int rc = PAM_SUCCESS;

	read_answers(&a);
	if (pam_start_confdir(service, user, &c, confdir, &pamh) != PAM_SUCCESS)
		return 2;
	pam_set_item(pamh, PAM_RHOST, "127.0.0.1");
	for (op = strtok_r(ops, ",", &save); op;
	     op = strtok_r(NULL, ",", &save)) {
		rc = step(pamh, op);
		printf("%s=%s\n", op, code_name(rc));
		if (strcmp(op, "auth") == 0 && rc == PAM_SUCCESS) {
			const char *g = pam_getenv(pamh, "AIGATE_GROUPS");
			const char *u = pam_getenv(pamh, "AIGATE_USER");
			const void *pu = NULL;

			printf("groups=%s\n", g ? g : "(unset)");
			printf("aigate_user=%s\n", u ? u : "(unset)");
			pam_get_item(pamh, PAM_USER, &pu);
			printf("pam_user=%s\n", pu ? (const char *)pu : "");
		}
		if (rc != PAM_SUCCESS)
			break;
	}
	pam_end(pamh, rc);
	printf("libldap_loaded=%s\n", lib_loaded("/libldap") ? "yes" : "no");
	printf("libcrypto_loaded=%s\n",
	       lib_loaded("/libcrypto.so") ? "yes" : "no");
	free_answers(&a);
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static int auth_acct(const char *confdir, const char *service, const char *user,
		     const char *password, int *acct_rc)
{
	struct answers a = {{strdup(password)}, 1, 0, true};
	struct pam_conv c = {conv, &a};
	pam_handle_t *pamh = NULL;
	int rc = PAM_SYSTEM_ERR;

	*acct_rc = -1;
	if (a.v[0] == NULL ||
	    pam_start_confdir(service, user, &c, confdir, &pamh) != PAM_SUCCESS)
		goto out;
	rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		*acct_rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
out:
	free_answers(&a);
	return rc;
}

static int cmd_loop(const char *confdir, const char *service, const char *user,
		    int n)
{
	struct answers a = {0};
	int i, fds_before, fds_after, acct, failures = 0;

	read_answers(&a);
	if (a.n < 1)
		return 2;
	/* one round first, so that lazily loaded libraries are counted */
	auth_acct(confdir, service, user, a.v[0], &acct);
	fds_before = count_fds();
	for (i = 0; i < n; i++)
		if (auth_acct(confdir, service, user, a.v[0], &acct) !=
			    PAM_SUCCESS ||
		    acct != PAM_SUCCESS)
			failures++;
	fds_after = count_fds();
	printf("rounds=%d failures=%d fds_before=%d fds_after=%d\n", n,
	       failures, fds_before, fds_after);
	free_answers(&a);
	return failures == 0 && fds_after <= fds_before ? 0 : 1;
}

struct tcase {
	char user[64], password[128], auth[40], acct[40];
};

struct tjob {
	const char *confdir, *service;
	struct tcase *cases;
	int ncases, rounds, mismatches;
};

static void *thread_main(void *arg)
{
	struct tjob *j = arg;
	int r, i, acct, rc;

	for (r = 0; r < j->rounds; r++)
		for (i = 0; i < j->ncases; i++) {
			struct tcase *c = &j->cases[i];

			rc = auth_acct(j->confdir, j->service, c->user,
				       c->password, &acct);
			if (strcmp(code_name(rc), c->auth) != 0 ||
			    (rc == PAM_SUCCESS &&
			     strcmp(code_name(acct), c->acct) != 0)) {
				printf("mismatch: %s auth=%s acct=%s\n",
				       c->user, code_name(rc), code_name(acct));
				j->mismatches++;
			}
		}
	return NULL;
}

static int cmd_threads(const char *confdir, const char *service, int nthreads,
		       int rounds)
{
	static struct tcase cases[MAX_CASES];
	struct tjob jobs[16];
	pthread_t th[16];
	int ncases = 0, i, total = 0;
	char line[512];

	while (ncases < MAX_CASES && fgets(line, sizeof(line), stdin))
		if (sscanf(line, "%63s %127s %39s %39s", cases[ncases].user,
			   cases[ncases].password, cases[ncases].auth,
			   cases[ncases].acct) == 4)
			ncases++;
	if (nthreads < 1 || nthreads > 16 || ncases == 0)
		return 2;
	for (i = 0; i < nthreads; i++) {
		jobs[i] = (struct tjob){confdir, service, cases,
					ncases,	 rounds,  0};
		pthread_create(&th[i], NULL, thread_main, &jobs[i]);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		total += jobs[i].mismatches;
	}
	printf("threads=%d rounds=%d cases=%d mismatches=%d\n", nthreads,
	       rounds, ncases, total);
	return total == 0 ? 0 : 1;
}

static int count_reader(const char *msg, void *ctx)
{
	int pid;

	if (sscanf(msg, "%d", &pid) == 1 && pid == (int)getpid())
		++*(int *)ctx;
	return 0;
}

static int cmd_hold(const char *file, const char *confdir, const char *service,
		    const char *user, char *ops)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	int rc = 2, readers = 0;

	if (mdb_env_create(&env) != 0 ||
	    mdb_env_open(env, file, MDB_NOSUBDIR | MDB_NOTLS, 0600) != 0 ||
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0)
		goto out;
	rc = cmd_run(confdir, service, user, ops);
	mdb_reader_list(env, count_reader, &readers);
	printf("held_readers=%d\n", readers);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	return rc;
}

/* One read-write transaction on the group cache: get `from` (if not
 * NULL) into v, then put v under `to`. */
static int raw_txn(const char *file, const char *from, const char *to,
		   MDB_val *v)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k;
	char kb[256];
	static unsigned char copy[4096];
	int rc;

	rc = mdb_env_create(&env);
	if (rc == 0)
		rc = mdb_env_open(env, file, MDB_NOSUBDIR | MDB_NOTLS, 0600);
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, NULL, 0, &dbi);
	if (rc == 0 && from != NULL) {
		snprintf(kb, sizeof(kb), "%s", from);
		k.mv_data = kb;
		k.mv_size = strlen(kb);
		rc = mdb_get(txn, dbi, &k, v);
		/* the value lives in the map only until the put */
		if (rc == 0 && v->mv_size <= sizeof(copy)) {
			memcpy(copy, v->mv_data, v->mv_size);
			v->mv_data = copy;
		} else if (rc == 0) {
			rc = MDB_BAD_VALSIZE;
		}
	}
	if (rc == 0) {
		snprintf(kb, sizeof(kb), "%s", to);
		k.mv_data = kb;
		k.mv_size = strlen(kb);
		rc = mdb_put(txn, dbi, &k, v, 0);
	}
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", file, mdb_strerror(rc));
	return rc == 0 ? 0 : 2;
}

static int cmd_plant(const char *file, const char *login, const char *format,
		     const char *groups)
{
	unsigned char buf[1024] = {0};
	uint64_t t = (uint64_t)time(NULL);
	size_t i, o = strcmp(format, "nomac") == 0 ? 40 : 8;
	size_t n = strlen(groups) + 1;
	MDB_val v;

	if (o + n > sizeof(buf))
		return 2;
	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)(t >> (8 * i));
	for (i = 0; i < n; i++)
		buf[o + i] = groups[i] == ',' ? '\0' : (unsigned char)groups[i];
	v.mv_data = buf;
	v.mv_size = o + n;
	return raw_txn(file, NULL, login, &v);
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "run") == 0)
		return cmd_run(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 6 && strcmp(argv[1], "loop") == 0)
		return cmd_loop(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc == 7 && strcmp(argv[1], "hold") == 0)
		return cmd_hold(argv[2], argv[3], argv[4], argv[5], argv[6]);
	if (argc == 6 && strcmp(argv[1], "plant") == 0)
		return cmd_plant(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 5 && strcmp(argv[1], "copy") == 0) {
		MDB_val v;

		return raw_txn(argv[2], argv[3], argv[4], &v);
	}
	if (argc == 6 && strcmp(argv[1], "threads") == 0)
		return cmd_threads(argv[2], argv[3], atoi(argv[4]),
				   atoi(argv[5]));
	fprintf(stderr, "usage: see pam_driver.c\n");
	return 2;
}
