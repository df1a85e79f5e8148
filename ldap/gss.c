/* SPDX-License-Identifier: Apache-2.0 */
/* gss.c - GSSAPI credentials from a keytab (see gss.h). */
#include "config.h"

#include <stdio.h>

#include "gss.h"

/* HAVE_GSSAPI: configure --with-gssapi (the default). */
#ifdef HAVE_GSSAPI
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

static void gss_message(OM_uint32 major, OM_uint32 minor, char *buf, size_t len)
{
	OM_uint32 ctx = 0, min2;
	gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
	int kind = minor ? GSS_C_MECH_CODE : GSS_C_GSS_CODE;

	buf[0] = '\0';
	if (gss_display_status(&min2, minor ? minor : major, kind, GSS_C_NO_OID,
			       &ctx, &text) == GSS_S_COMPLETE)
		snprintf(buf, len, "%.*s", (int)text.length,
			 (const char *)text.value);
	gss_release_buffer(&min2, &text);
}

int aig_gss_cred_from_keytab(const char *keytab, void **cred,
			     struct aig_error *err)
{
	char ccache[512], msg[256];
	gss_key_value_element_desc el[2];
	gss_key_value_set_desc store = {2, el};
	gss_OID_set_desc mechs = {1, gss_mech_krb5};
	gss_cred_id_t c = GSS_C_NO_CREDENTIAL;
	OM_uint32 major, minor;

	*cred = NULL;
	/* One cache per keytab for the life of the process: private to it,
	 * and later binds reuse the ticket instead of asking the KDC. */
	if ((size_t)snprintf(ccache, sizeof(ccache), "MEMORY:aigate:%s",
			     keytab) >= sizeof(ccache))
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "keytab path too long");
	el[0].key = "client_keytab";
	el[0].value = keytab;
	el[1].key = "ccache";
	el[1].value = ccache;
	major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE,
				      &mechs, GSS_C_INITIATE, &store, &c, NULL,
				      NULL);
	if (GSS_ERROR(major)) {
		gss_message(major, minor, msg, sizeof(msg));
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "GSSAPI credentials from keytab %s: %s",
				     keytab, msg);
	}
	*cred = c;
	return AIG_OK;
}

void aig_gss_cred_free(void *cred)
{
	OM_uint32 minor;
	gss_cred_id_t c = cred;

	if (c != NULL)
		gss_release_cred(&minor, &c);
}

#else /* configure --without-gssapi */

int aig_gss_cred_from_keytab(const char *keytab, void **cred,
			     struct aig_error *err)
{
	*cred = NULL;
	return aig_error_set(
		err, AIG_ERR_CONFIG,
		"ldap.service_bind: keytab %s: aigate was "
		"built without GSSAPI (configure --without-gssapi)",
		keytab);
}

void aig_gss_cred_free(void *cred)
{
	(void)cred;
}

#endif
