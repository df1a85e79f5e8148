/* SPDX-License-Identifier: Apache-2.0 */
/* pam_check.c - Basic credentials through PAM (aigate.cgi(8)): the
 * module aigate-pam.so, which exports one symbol, aig_gate_pam_v1
 * (aig_ext.h); libpam is loaded only by the requests that take this path,
 * and they load nothing else of the gate's.
 *
 * The conversation answers exactly one password prompt (echo off) with
 * the password given; any other prompt fails the conversation, so a
 * stack that asks for a new password or a one-time code cannot be
 * answered by mistake. PAM frees the reply; we wipe our copies. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <security/pam_appl.h>

#include "aig_ext.h"
#include "aig_ldap.h"

struct conv_data {
	const char *password;
	bool answered;
};

static void free_replies(struct pam_response *r, int n)
{
	int i;

	for (i = 0; r != NULL && i < n; i++)
		aig_secret_free(r[i].resp);
	free(r);
}

static int conversation(int n, const struct pam_message **msg,
			struct pam_response **resp, void *appdata)
{
	struct conv_data *cd = appdata;
	struct pam_response *r;
	int i;

	*resp = NULL;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			if (cd->answered)
				goto fail; /* a second secret: not ours to give
					    */
			r[i].resp = strdup(cd->password);
			if (r[i].resp == NULL)
				goto fail;
			cd->answered = true;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO: break;
		default: /* PAM_PROMPT_ECHO_ON and anything unknown */
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	free_replies(r, n);
	return PAM_CONV_ERR;
}

static enum aig_ext_pam_result classify(int rc, bool account_phase)
{
	switch (rc) {
	case PAM_SUCCESS: return AIG_EXT_PAM_OK;
	case PAM_AUTH_ERR:
	case PAM_USER_UNKNOWN:
	case PAM_MAXTRIES:
	case PAM_CRED_INSUFFICIENT:
	case PAM_ACCT_EXPIRED:
	case PAM_NEW_AUTHTOK_REQD:
	case PAM_AUTHTOK_EXPIRED: return AIG_EXT_PAM_DENIED;
	case PAM_PERM_DENIED:
		return account_phase ? AIG_EXT_PAM_FORBIDDEN
				     : AIG_EXT_PAM_DENIED;
	default: /* PAM_AUTHINFO_UNAVAIL, PAM_SYSTEM_ERR, ...: fail closed */
		return AIG_EXT_PAM_UNAVAILABLE;
	}
}

/* The account's name from AIGATE_USER (pam_aigate.so puts the directory's
 * spelling there), else the name as typed (a stack without pam_aigate).
 * NULL when AIGATE_USER is not a name a header can carry, or no memory. */
static char *account_name(pam_handle_t *pamh, const char *user)
{
	const char *name = pam_getenv(pamh, "AIGATE_USER");

	if (name == NULL)
		return strdup(user);
	if (aig_ldap_login_check(name, strlen(name), NULL) != AIG_OK)
		return NULL;
	return strdup(name);
}

/* Whether confdir and its file for service may be trusted: owned by root
 * or by the gate's user, writable by nobody else, not symbolic links. */
static bool confdir_trusted(const char *confdir, const char *service)
{
	const struct aig_file_trust tdir = {S_IFDIR, geteuid(), false};
	const struct aig_file_trust tfile = {S_IFREG, geteuid(), false};
	struct stat st;
	int dfd = open(confdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok = false;

	if (dfd < 0)
		return false;
	if (fstat(dfd, &st) == 0 &&
	    aig_file_trusted_st(&st, &tdir, confdir, NULL) == AIG_OK &&
	    strchr(service, '/') == NULL &&
	    fstatat(dfd, service, &st, AT_SYMLINK_NOFOLLOW) == 0)
		ok = aig_file_trusted_st(&st, &tfile, service, NULL) == AIG_OK;
	close(dfd);
	return ok;
}

static int start(const char *service, const char *confdir, const char *user,
		 const struct pam_conv *conv, pam_handle_t **pamh)
{
	if (confdir == NULL)
		return pam_start(service, user, conv, pamh);
	if (!confdir_trusted(confdir, service))
		return PAM_ABORT;
	return pam_start_confdir(service, user, conv, confdir, pamh);
}

enum aig_ext_pam_result aig_ext_pam_check(const char *service,
					  const char *confdir, const char *user,
					  const char *password,
					  const char *rhost, char **name,
					  char **groups, int *pam_code)
{
	struct conv_data cd = {password, false};
	struct pam_conv conv = {conversation, &cd};
	pam_handle_t *pamh = NULL;
	enum aig_ext_pam_result res;
	const char *g;
	int rc;

	*name = NULL;
	*groups = NULL;
	rc = start(service, confdir, user, &conv, &pamh);
	if (rc != PAM_SUCCESS) {
		*pam_code = rc;
		return AIG_EXT_PAM_UNAVAILABLE;
	}
	if ((rc = pam_set_item(pamh, PAM_RHOST, rhost)) != PAM_SUCCESS ||
	    (rc = pam_set_item(pamh, PAM_RUSER, user)) != PAM_SUCCESS) {
		res = AIG_EXT_PAM_UNAVAILABLE;
		goto out;
	}
	rc = pam_authenticate(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	res = classify(rc, false);
	if (res != AIG_EXT_PAM_OK)
		goto out;
	rc = pam_acct_mgmt(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	res = classify(rc, true);
	if (res != AIG_EXT_PAM_OK && res != AIG_EXT_PAM_FORBIDDEN)
		goto out;
	if ((*name = account_name(pamh, user)) == NULL) {
		res = AIG_EXT_PAM_UNAVAILABLE;
		goto out;
	}
	if (res != AIG_EXT_PAM_OK)
		goto out;
	g = pam_getenv(pamh, "AIGATE_GROUPS");
	*groups = strdup(g ? g : "");
	if (*groups == NULL)
		res = AIG_EXT_PAM_UNAVAILABLE;
out:
	if (res != AIG_EXT_PAM_OK && res != AIG_EXT_PAM_FORBIDDEN) {
		free(*name);
		*name = NULL;
	}
	*pam_code = rc;
	pam_end(pamh, rc);
	return res;
}

const struct aig_gate_pam aig_gate_pam_v1 = {
	{AIG_GATE_PAM_VERSION, PACKAGE_STRING, sizeof(struct aig_config)},
	aig_ext_pam_check,
};
