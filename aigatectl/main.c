/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - aigatectl(8): administration and diagnostics for aigate
 * (aigatectl(8)). Parse the command line, load the configuration, run one
 * subcommand, exit with its status. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>

#include "ctl.h"

/* Which options a subcommand takes. */
enum {
	OPT_JSON = 1 << 0,
	OPT_BIND = 1 << 1, /* --bind-dn, --password-file */
	OPT_USER_PW = 1 << 2,
	OPT_RECURSIVE = 1 << 3,
	OPT_GROUPS = 1 << 4,
	OPT_SINCE = 1 << 5,
	OPT_SEAL_KEYS = 1 << 6, /* --initial-key, --public-key */
	OPT_TOKEN = 1 << 7,	/* --jwks, --alb, --signature-only */
	OPT_WEB_USER = 1 << 8,
	OPT_KEY = 1 << 9,
	OPT_OLDER_THAN = 1 << 10,
	OPT_TOP_USERS = 1 << 11,
	OPT_ALL = 1 << 12,
};

struct command {
	const char *name;
	int nargs; /* exactly; -N: 1 to N */
	unsigned opts;
	int (*run)(struct ctl *c);
	const char *synopsis;
};

static const struct command commands[] = {
	{"check", 0, OPT_JSON | OPT_WEB_USER, ctl_cmd_check,
	 "check [--web-user USER]"},
	{"test-auth", 1, OPT_JSON | OPT_BIND | OPT_USER_PW, ctl_cmd_test_auth,
	 "test-auth USER [--password-file F]"},
	{"groups", 1, OPT_JSON | OPT_BIND, ctl_cmd_groups, "groups USER"},
	{"members", 1, OPT_JSON | OPT_BIND | OPT_RECURSIVE, ctl_cmd_members,
	 "members GROUP [--recursive]"},
	{"add-member", 2, OPT_JSON | OPT_BIND, ctl_cmd_add_member,
	 "add-member GROUP USER"},
	{"remove-member", 2, OPT_JSON | OPT_BIND, ctl_cmd_remove_member,
	 "remove-member GROUP USER"},
	{"explain", 3, OPT_JSON | OPT_BIND | OPT_GROUPS, ctl_cmd_explain,
	 "explain USER METHOD PATH [--groups G1,G2]"},
	{"jwks", 1, OPT_JSON, ctl_cmd_jwks, "jwks refresh|show"},
	{"audit", 1, OPT_JSON | OPT_SINCE | OPT_SEAL_KEYS | OPT_TOP_USERS,
	 ctl_cmd_audit_seal,
	 "audit summary [--since TIME] [--top-users] | audit seal | audit "
	 "verify "
	 "[--initial-key FILE] [--public-key PEM] | audit keygen "
	 "--initial-key OUT"},
	{"token", 2, OPT_JSON | OPT_TOKEN, ctl_cmd_token,
	 "token verify [--jwks FILE | -c FILE] [--alb] [--signature-only] "
	 "TOKEN|-"},
	{"quarantine", -2, OPT_JSON | OPT_KEY | OPT_OLDER_THAN,
	 ctl_cmd_quarantine,
	 "quarantine list | show ID --key FILE | purge --older-than AGE"},
	{"cache", -2, OPT_JSON | OPT_ALL, ctl_cmd_cache,
	 "cache list | cache drop USER|--all"},
	{"negotiate", 1, OPT_JSON, ctl_cmd_negotiate, "negotiate check"},
};

static const char usage_text[] =
	"usage: aigatectl [-c FILE] [--json] COMMAND [ARG...]\n"
	"  check [--web-user USER]        config + policy (errors as "
	"file:line:col),\n"
	"                                 DCs, service bind, keys, state_dir, "
	"audit, Redis\n"
	"  test-auth USER                 ask the password (no echo), bind, "
	"show AD status and groups\n"
	"                                 [--password-file F]\n"
	"  groups USER                    effective (nested) groups\n"
	"  members GROUP [--recursive]\n"
	"  add-member GROUP USER          needs an admin bind\n"
	"  remove-member GROUP USER\n"
	"  explain USER METHOD PATH [--groups G1,G2]\n"
	"                                 which rule decides and why (USER "
	"may be user@REALM)\n"
	"  jwks refresh|show\n"
	"  audit summary [--since TIME] [--top-users]\n"
	"  audit seal                     seal what is new in the audit "
	"files\n"
	"  audit verify [--initial-key FILE] [--public-key PEM]\n"
	"  audit keygen --initial-key OUT\n"
	"  token verify [--jwks FILE | -c FILE] [--alb] [--signature-only] "
	"TOKEN|-\n"
	"                                 verify a token as the gate does\n"
	"  quarantine list|show ID --key FILE|purge --older-than AGE\n"
	"  cache list | cache drop USER|--all\n"
	"                                 pam_aigate's credential cache\n"
	"  negotiate check                the keytab's principals and keys, "
	"the SPN, the clock\n"
	"Admin bind: --bind-dn DN --password-file F, else ldap.service_bind.\n"
	"Exit: 0 done/allowed, 1 refused/not found/failed, 2 usage, "
	"3 AD or issuer unreachable. See aigatectl(8).\n";

/* One line: what is wrong, and the synopsis (or where to find it). */
static int usage(const struct ctl *c, const struct command *cmd,
		 const char *why)
{
	if (cmd != NULL)
		return ctl_fail(c, CTL_EXIT_USAGE, "%s (usage: aigatectl %s)",
				why, cmd->synopsis);
	return ctl_fail(c, CTL_EXIT_USAGE, "%s (see aigatectl --help)", why);
}

enum long_only {
	O_JSON = 256,
	O_BIND_DN,
	O_PASSWORD_FILE,
	O_USER_PASSWORD_FILE,
	O_RECURSIVE,
	O_GROUPS,
	O_SINCE,
	O_INITIAL_KEY,
	O_PUBLIC_KEY,
	O_JWKS,
	O_ALB,
	O_SIGNATURE_ONLY,
	O_WEB_USER,
	O_KEY,
	O_OLDER_THAN,
	O_TOP_USERS,
	O_ALL,
};

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"json", no_argument, NULL, O_JSON},
	{"bind-dn", required_argument, NULL, O_BIND_DN},
	{"password-file", required_argument, NULL, O_PASSWORD_FILE},
	{"user-password-file", required_argument, NULL, O_USER_PASSWORD_FILE},
	{"recursive", no_argument, NULL, O_RECURSIVE},
	{"groups", required_argument, NULL, O_GROUPS},
	{"since", required_argument, NULL, O_SINCE},
	{"initial-key", required_argument, NULL, O_INITIAL_KEY},
	{"public-key", required_argument, NULL, O_PUBLIC_KEY},
	{"jwks", required_argument, NULL, O_JWKS},
	{"alb", no_argument, NULL, O_ALB},
	{"signature-only", no_argument, NULL, O_SIGNATURE_ONLY},
	{"web-user", required_argument, NULL, O_WEB_USER},
	{"key", required_argument, NULL, O_KEY},
	{"older-than", required_argument, NULL, O_OLDER_THAN},
	{"top-users", no_argument, NULL, O_TOP_USERS},
	{"all", no_argument, NULL, O_ALL},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* Records one option; its bit in *given. Returns -1 to go on, else an
 * exit status (help, version, a bad option). */
static int set_opt(struct ctl *c, int opt, unsigned *given)
{
	switch (opt) {
	case 'c':
		c->config_path = optarg;
		c->config_given = true;
		return -1;
	case 'v': c->verbose = true; return -1;
	case O_JSON:
		c->json = true;
		*given |= OPT_JSON;
		return -1;
	case O_BIND_DN:
		c->bind_dn = optarg;
		*given |= OPT_BIND;
		return -1;
	case O_PASSWORD_FILE:
		c->password_file = optarg;
		*given |= OPT_BIND;
		return -1;
	case O_USER_PASSWORD_FILE:
		c->user_password_file = optarg;
		*given |= OPT_USER_PW;
		return -1;
	case O_RECURSIVE:
		c->recursive = true;
		*given |= OPT_RECURSIVE;
		return -1;
	case O_GROUPS:
		c->groups = optarg;
		*given |= OPT_GROUPS;
		return -1;
	case O_SINCE:
		c->since = optarg;
		*given |= OPT_SINCE;
		return -1;
	case O_INITIAL_KEY:
		c->initial_key = optarg;
		*given |= OPT_SEAL_KEYS;
		return -1;
	case O_PUBLIC_KEY:
		c->public_key = optarg;
		*given |= OPT_SEAL_KEYS;
		return -1;
	case O_JWKS: c->jwks_file = optarg; break;
	case O_ALB: c->alb = true; break;
	case O_SIGNATURE_ONLY: c->signature_only = true; break;
	case O_WEB_USER:
		c->web_user = optarg;
		*given |= OPT_WEB_USER;
		return -1;
	case O_KEY:
		c->key_file = optarg;
		*given |= OPT_KEY;
		return -1;
	case O_OLDER_THAN:
		c->older_than = optarg;
		*given |= OPT_OLDER_THAN;
		return -1;
	case O_TOP_USERS:
		c->top_users = true;
		*given |= OPT_TOP_USERS;
		return -1;
	case O_ALL:
		c->all = true;
		*given |= OPT_ALL;
		return -1;
	case 'h': fputs(usage_text, stdout); return CTL_EXIT_OK;
	case 'V': puts("aigatectl " PACKAGE_VERSION); return CTL_EXIT_OK;
	default: return CTL_EXIT_USAGE; /* getopt said what */
	}
	*given |= OPT_TOKEN; /* the three token verify options */
	return -1;
}

/* getopt_long() takes any unambiguous prefix of a long option: so would
 * "--password secret" be --password-file, reading a file named by what
 * was meant as a password. Only whole names are accepted. */
static int exact_long_options(const struct ctl *c, int argc, char **argv)
{
	char msg[160], esc[64];
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const struct option *o;
		size_t n;

		if (strcmp(argv[i], "-c") == 0) {
			i++; /* its value may start with "--" */
			continue;
		}
		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		n = strcspn(argv[i] + 2, "=");
		for (o = long_opts; o->name != NULL; o++)
			if (strlen(o->name) == n &&
			    strncmp(o->name, argv[i] + 2, n) == 0)
				break;
		if (o->name == NULL) {
			snprintf(msg, sizeof(msg), "unknown option \"%s\"",
				 ctl_esc(esc, sizeof(esc), argv[i]));
			return usage(c, NULL, msg);
		}
		if (o->has_arg == required_argument && argv[i][2 + n] != '=')
			i++;
	}
	return -1;
}

/* Options may come anywhere (getopt_long permutes); "--" ends them.
 * Returns -1 with c filled and *cmd found, else an exit status. */
static int parse(struct ctl *c, int argc, char **argv,
		 const struct command **cmd)
{
	static const char *const opt_names[] = {"--json",
						"--bind-dn/--password-file",
						"--user-password-file",
						"--recursive",
						"--groups",
						"--since",
						"--initial-key/--public-key",
						"--jwks/--alb/--signature-only",
						"--web-user",
						"--key",
						"--older-than",
						"--top-users",
						"--all"};
	unsigned given = 0;
	char msg[160], esc[64];
	size_t i;
	int opt, code;

	if ((code = exact_long_options(c, argc, argv)) >= 0)
		return code;
	while ((opt = getopt_long(argc, argv, "c:vhV", long_opts, NULL)) != -1)
		if ((code = set_opt(c, opt, &given)) >= 0)
			return code;
	if (optind >= argc)
		return usage(c, NULL, "no command given");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			*cmd = &commands[i];
	if (*cmd == NULL) {
		snprintf(msg, sizeof(msg), "unknown command \"%s\"",
			 ctl_esc(esc, sizeof(esc), argv[optind]));
		return usage(c, NULL, msg);
	}
	c->cmd = (*cmd)->name;
	c->args = argv + optind + 1;
	c->nargs = argc - optind - 1;
	if ((*cmd)->nargs >= 0 ? c->nargs != (*cmd)->nargs
			       : c->nargs < 1 || c->nargs > -(*cmd)->nargs)
		return usage(c, *cmd,
			     c->nargs < ((*cmd)->nargs >= 0 ? (*cmd)->nargs : 1)
				     ? "missing arguments"
				     : "too many arguments");
	for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
		if ((given & (1u << i)) && !((*cmd)->opts & (1u << i))) {
			snprintf(msg, sizeof(msg), "%s does not apply here",
				 opt_names[i]);
			return usage(c, *cmd, msg);
		}
	if (c->bind_dn != NULL && c->password_file == NULL)
		return usage(c, *cmd, "--bind-dn needs --password-file");
	if (c->password_file != NULL && c->bind_dn == NULL &&
	    strcmp(c->cmd, "test-auth") != 0)
		return usage(c, *cmd, "--password-file goes with --bind-dn");
	return -1;
}

int main(int argc, char **argv)
{
	struct ctl c;
	const struct command *cmd = NULL;
	int code;

	/* no core dump, no ptrace by other users: passwords pass through */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(077);
	memset(&c, 0, sizeof(c));
	c.prog = "aigatectl";
	c.config_path = aig_config_default_path();
	c.log.fn = ctl_log_fn;
	c.log.ctx = &c;
	c.log.max_priority = LOG_DEBUG;
	c.quiet_warnings = true; /* errors are one line; -v shows more */
	code = parse(&c, argc, argv, &cmd);
	if (code < 0 && strcmp(cmd->name, "check") != 0 &&
	    strcmp(cmd->name, "token") != 0)
		code = ctl_load_config(&c) == CTL_EXIT_OK ? -1
							  : CTL_EXIT_REFUSED;
	if (code < 0)
		code = cmd->run(&c);
	ctl_free(&c);
	if (fflush(stdout) != 0 && code == CTL_EXIT_OK)
		code = CTL_EXIT_REFUSED;
	return code;
}
