/* SPDX-License-Identifier: Apache-2.0 */
/* config_int.h - the parts of aigate.json read outside config.c
 * (config_alb.c); nothing else includes it. */
#ifndef AIG_CONFIG_INT_H
#define AIG_CONFIG_INT_H

#include "aig_common.h"

/* auth.alb, after auth.methods and ldap are read (root borrowed). */
int aig_config_parse_alb(const struct aig_jr *c, json_t *root,
			 struct aig_config *cfg);

/* jwt.token_use and jwt.client_ids (jwt borrowed). */
int aig_config_parse_cognito(const struct aig_jr *c, json_t *jwt,
			     struct aig_config *cfg);

/* Frees what the two above read. */
void aig_config_free_alb(struct aig_config *cfg);

#endif
