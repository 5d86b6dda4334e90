/* test_config.c: the configuration reader: defaults, bounds, env overrides, errors naming the key. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"

static const char good[] =
    "# a comment\n"
    "database_url = host=/tmp dbname=connector\n"
    "public_base_url = https://connector.example.com\n"
    "\n"
    "threads = 8\n"
    "log_level = debug\n"
    "csrf_secret = 0123456789abcdef0123456789abcdef\n"
    "event_categories = deployments:Deployments, incidents: Incidents\n"
    "webhook_extra_hosts = http://127.0.0.1:8081, sink.test\n";

static int
load(const char *text, char *const *env, struct config *c, char *err, size_t n)
{
	static char *base_env[] = { "CONNECTOR_CSRF_SECRET=0123456789abcdef0123456789abcdef", NULL };

	/* Files without a csrf_secret get one from the environment, as deployments may do. */
	config_init(c);
	if (env == NULL && strstr(text, "csrf_secret") == NULL)
		env = base_env;
	return config_load_text(c, text, "test.conf", env, err, n);
}

static void
expect_error(const char *text, char *const *env, const char *want, const char *name)
{
	struct config c;
	char err[256] = "";

	ok(!load(text, env, &c, err, sizeof(err)), name);
	has_str(err, want, "  ...and the message names it");
	config_free(&c);
}

int
main(void)
{
	struct config c;
	char err[256] = "";
	char *env_threads[] = { "CONNECTOR_THREADS=3", "CONNECTOR_CONFIG=/x", "PATH=/bin", NULL };
	char *env_bad[] = { "CONNECTOR_MAX_BODY_BYTES=lots", NULL };

	ok(load(good, NULL, &c, err, sizeof(err)), "a good file loads");
	is_str(c.database_url, "host=/tmp dbname=connector", "values keep inner spaces");
	is_str(c.public_base_url, "https://connector.example.com", "origin is kept");
	is_int(c.threads, 8, "threads read");
	is_int(c.log_level, LOG_DEBUG, "log level read");
	is_int(c.max_body_bytes, 65536, "max_body_bytes defaults");
	is_int(c.retry_after, 5, "retry_after defaults");
	is_str(c.log_file, "", "log_file defaults to standard error");
	is_int((long)c.ncategories, 2, "two event categories");
	is_str(c.categories[1].id, "incidents", "  ids read");
	is_str(c.categories[1].label, "Incidents", "  labels trimmed");
	is_int((long)c.nextra_hosts, 2, "two extra webhook hosts");
	ok(c.extra_hosts[0].http && c.extra_hosts[0].port == 8081, "  http://host:port allows http there");
	ok(!c.extra_hosts[1].http && c.extra_hosts[1].port == 0, "  a bare host is https, any port");
	config_free(&c);

	ok(load("database_url = x\npublic_base_url = https://a.example\n", NULL, &c, err,
	    sizeof(err)), "defaults fill the rest");
	is_int((long)c.ncategories, 3, "  three default categories");
	is_int(c.processes, 1, "  processes defaults to 1: the process serves, no supervisor");
	config_free(&c);

	ok(load(good, env_threads, &c, err, sizeof(err)), "env overrides load");
	is_int(c.threads, 3, "CONNECTOR_THREADS overrides the file");
	config_free(&c);

	{
		char *env_procs[] = { "CONNECTOR_PROCESSES=4",
		    "CONNECTOR_CSRF_SECRET=0123456789abcdef0123456789abcdef", NULL };

		ok(load("database_url = x\npublic_base_url = https://a.example\nprocesses = 2\n",
		    env_procs, &c, err, sizeof(err)), "processes in the file and env");
		is_int(c.processes, 4, "  CONNECTOR_PROCESSES overrides the file");
		config_free(&c);
	}
	expect_error(good, env_bad, "CONNECTOR_MAX_BODY_BYTES", "a bad env value is refused");
	{
		char *env_latin[] = { "CONNECTOR_EVENT_CATEGORIES=ops:Op\xff", NULL };

		expect_error(good, env_latin, "not valid UTF-8", "an env value that is not UTF-8 is refused");
	}
	expect_error("public_base_url = https://a.example\n", NULL, "'database_url' is missing",
	    "a missing required key is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example/\n", NULL,
	    "test.conf:2: key 'public_base_url'", "a trailing slash in the origin is refused");
	expect_error("database_url = x\npublic_base_url = ftp://a.example\n", NULL,
	    "public_base_url", "a non-http origin is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example:99999\n", NULL,
	    "invalid port", "a bad port is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\nthreads = 0\n", NULL,
	    "test.conf:3: key 'threads' must be a whole number from 1 to 64",
	    "threads below the bound is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\nprocesses = 0\n", NULL,
	    "test.conf:3: key 'processes' must be a whole number from 1 to 64",
	    "processes = 0 is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\nprocesses = 65\n", NULL,
	    "key 'processes' must be a whole number from 1 to 64", "processes above 64 is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\nthreads = 2x\n", NULL,
	    "'threads'", "a number with junk is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\nlog_level = loud\n",
	    NULL, "'log_level' must be one of", "an unknown log level is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\ncolour = red\n", NULL,
	    "test.conf:3: unknown key 'colour'", "an unknown key is refused");
	expect_error("database_url = x\ndatabase_url = y\n", NULL, "given twice",
	    "a repeated key is refused");
	expect_error("database_url\n", NULL, "test.conf:1: expected", "a line without = is refused");
	expect_error("database_url = \npublic_base_url = https://a.example\n", NULL,
	    "'database_url' must not be empty", "an empty required value is refused");
	expect_error("database_url = x\xff\n", NULL, "UTF-8", "invalid UTF-8 is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\ncsrf_secret = short\n",
	    NULL, "'csrf_secret' must be 32", "a short CSRF secret is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\n"
	    "event_categories = Deploy:D\n", NULL, "'event_categories' ids",
	    "an upper-case category id is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\n"
	    "event_categories = a:A, a:B\n", NULL, "twice", "a repeated category is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\n"
	    "event_categories = nolabel\n", NULL, "id:Label", "a category without label is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\n"
	    "webhook_extra_hosts = sink/path\n", NULL, "'webhook_extra_hosts'",
	    "an extra host with a path is refused");
	expect_error("database_url = x\npublic_base_url = https://a.example\n"
	    "webhook_extra_hosts = sink:0\n", NULL, "bad port", "an extra host with port 0 is refused");

	config_init(&c);
	ok(!config_load_file(&c, "/nonexistent/connector.conf", NULL, err, sizeof(err)),
	    "a missing file is refused");
	has_str(err, "/nonexistent/connector.conf", "  ...and the message names the file");
	config_free(&c);
	/* Card actions and sign-in. */
	ok(load(good, NULL, &c, err, sizeof(err)), "card action keys default");
	is_str(c.action_issuer, "https://substrate.office.com/sts/", "  the substrate issuer");
	is_str(c.action_app_id, "48af08dc-f6d2-435f-b2a7-069abd99c086", "  the actionable-messages app id");
	is_str(c.action_audience, "https://connector.example.com", "  audience: the public base URL");
	is_int(c.jwt_clock_skew, 120, "  two minutes of clock skew");
	ok(!c.sso_enabled, "  sign-in off");
	config_free(&c);
	{
		char *env_sso[] = { "CONNECTOR_SSO_ENABLED=yes",
		    "CONNECTOR_SSO_CLIENT_ID=6f1a3c2e-8d4b-4e7a-9c5d-2b3a4f5e6d7c",
		    "CONNECTOR_SSO_JWKS_FILE=/etc/keys.json",
		    "CONNECTOR_ACTION_CALLBACK_URL=https://owner.example.com/hooks/teams",
		    "CONNECTOR_ACTION_CALLBACK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", NULL };
		char *env_half[] = { "CONNECTOR_ACTION_CALLBACK_URL=https://owner.example.com/h", NULL };
		char *env_sso_bare[] = { "CONNECTOR_SSO_ENABLED=true", NULL };
		char *env_bad_secret[] = { "CONNECTOR_ACTION_CALLBACK_URL=https://o.example/h",
		    "CONNECTOR_ACTION_CALLBACK_SECRET=whsec_c2hvcnQ=", NULL };
		char *env_bad_bool[] = { "CONNECTOR_SSO_ENABLED=maybe", NULL };
		char *env_bad_url[] = { "CONNECTOR_ACTION_CALLBACK_URL=ftp://o.example/h",
		    "CONNECTOR_ACTION_CALLBACK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", NULL };

		ok(load(good, env_sso, &c, err, sizeof(err)), "sign-in and a callback load");
		ok(c.sso_enabled, "  yes is true");
		is_str(c.action_callback_url, "https://owner.example.com/hooks/teams", "  callback URL");
		config_free(&c);
		expect_error(good, env_half, "go together", "a callback URL without its secret");
		expect_error(good, env_sso_bare, "sso_client_id", "sign-in without a client id and keys");
		expect_error(good, env_bad_secret, "whsec_", "a callback secret of 5 bytes");
		expect_error(good, env_bad_bool, "true or false", "a boolean that is neither");
		expect_error(good, env_bad_url, "http://", "a callback URL that is not http(s)");
		{
			char *env_bad_aud[] = { "CONNECTOR_ACTION_AUDIENCE=connector.example.com",
			    NULL };
			char *env_space_url[] = {
			    "CONNECTOR_ACTION_CALLBACK_URL=https://o.example/a b",
			    "CONNECTOR_ACTION_CALLBACK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			    NULL };

			expect_error(good, env_bad_aud, "action_audience",
			    "an action audience that is not a URL");
			expect_error(good, env_space_url, "spaces", "a callback URL with a space");
		}
	}

	return done_testing();
}
