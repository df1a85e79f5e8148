/* SPDX-License-Identifier: Apache-2.0 */
/* pam_aigate.c - the PAM entry points, and nothing else: each reads
 * options, does its phase's work, and cleans up (pam_aigate(8)). */
#include "config.h"

#include <security/pam_modules.h>

#include "aig_pam.h"

/* Runs one phase: parse -> work -> cleanup. */
static int run(pam_handle_t *pamh, int argc, const char **argv,
	       int (*work)(struct aig_pam_ctx *, int), int flags)
{
	struct aig_pam_ctx ctx;
	int rc = aig_pam_ctx_init(&ctx, pamh, argc, argv);

	ctx.flags = flags;
	if (rc == PAM_SUCCESS)
		rc = work(&ctx, flags);
	aig_pam_ctx_free(&ctx);
	return rc;
}

static int authenticate(struct aig_pam_ctx *ctx, int flags)
{
	(void)flags;
	return aig_pam_do_authenticate(ctx);
}

static int account(struct aig_pam_ctx *ctx, int flags)
{
	(void)flags;
	return aig_pam_do_account(ctx);
}

static int open_session(struct aig_pam_ctx *ctx, int flags)
{
	(void)flags;
	return aig_pam_do_session(ctx, true);
}

static int close_session(struct aig_pam_ctx *ctx, int flags)
{
	(void)flags;
	return aig_pam_do_session(ctx, false);
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	return run(pamh, argc, argv, authenticate, flags);
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
			      const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS; /* aigate issues no credentials */
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
				const char **argv)
{
	return run(pamh, argc, argv, account, flags);
}

PAM_EXTERN int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc,
				const char **argv)
{
	return run(pamh, argc, argv, aig_pam_do_chauthtok, flags);
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	return run(pamh, argc, argv, open_session, flags);
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
				    const char **argv)
{
	return run(pamh, argc, argv, close_session, flags);
}
