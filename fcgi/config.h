/* config.h: the configuration file and its environment overrides, read once at start-up. */
#ifndef CONNECTOR_CONFIG_H
#define CONNECTOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* An event category a channel can subscribe to (checkbox on the configuration page). */
struct category {
	char *id;	/* [a-z][a-z0-9_-]{0,31} */
	char *label;
};

/* A webhook host allowed beside Teams' own (a local sink in tests). */
struct extra_host {
	char *host;	/* lower case */
	long  port;	/* 0: any */
	int   http;	/* plain http allowed (only when the entry said http://) */
};

/* An address range the sender may connect to although it is private (tests: the local sink). */
struct addr_range {
	int           family;	/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int           prefix;	/* bits */
};

#define MAX_RATE_LIMITS 8

struct config {
	char           *database_url;		/* libpq conninfo (secret: may hold a password) */
	char           *public_base_url;	/* scheme://host[:port], no path */
	long            max_body_bytes;
	long            threads;
	long            processes;		/* connector-fcgi: >1 supervises that many children */
	long            db_connect_timeout;
	long            retry_after;		/* seconds, in 503 answers */
	enum log_level  log_level;
	char           *log_file;		/* empty: standard error */
	char           *migrations_dir;
	char           *templates_dir;
	char           *csrf_secret;		/* secret: signs the page's CSRF tokens */
	long            csrf_ttl;		/* seconds a page's token stays valid */
	struct category *categories;
	size_t          ncategories;
	struct extra_host *extra_hosts;
	size_t          nextra_hosts;

	char          (*api_key_hashes)[65];	/* SHA-256 hex of each accepted API key */
	size_t          napi_keys;

	/* connector-worker */
	long            worker_concurrency;	/* requests in flight */
	long            worker_poll_ms;		/* look for due deliveries at least this often */
	long            lease_seconds;		/* a claimed delivery is ours this long */
	long            send_connect_timeout;	/* seconds */
	long            send_timeout;		/* seconds, whole request */
	long            retry_base;		/* seconds */
	long            retry_max;		/* seconds */
	long            retry_throttle;		/* seconds, at least, after a throttle */
	long            max_attempts;
	int             rate_limits[MAX_RATE_LIMITS];	/* sends ... */
	int             rate_windows[MAX_RATE_LIMITS];	/* ... per this many seconds */
	size_t          nrates;
	struct addr_range *allowed_addrs;
	size_t          nallowed_addrs;

	/* Card actions: tokens Teams sends with a click, and where clicks are forwarded. */
	char           *action_jwks_file;	/* "": every card action is refused */
	char           *action_issuer;
	char           *action_app_id;		/* the actionable-messages app id (appid claim) */
	char           *action_audience;	/* "": public_base_url */
	char           *action_callback_url;	/* "": clicks are recorded, not forwarded */
	char           *action_callback_secret;	/* secret: whsec_<base64>, signs forwarded clicks */
	long            jwt_clock_skew;		/* seconds tolerated on exp, nbf, iat */

	/* Signed-in configuration (Teams SSO). */
	bool            sso_enabled;
	char           *sso_client_id;		/* the app's Azure AD client id: the token's aud */
	char           *sso_jwks_file;
	char           *sso_issuer;		/* "{tenantid}" stands for the token's tid */

	/* connectorctl package: the Teams app manifest. "" means not set; the package needs each. */
	char           *app_id;			/* GUID */
	char           *connector_id;		/* GUID, from the Connectors Developer Dashboard */
	char           *app_name_short;		/* 1-30 characters */
	char           *app_name_full;		/* up to 100; "": the short name */
	char           *app_description_short;	/* 1-80 */
	char           *app_description_full;	/* 1-4000 */
	char           *developer_name;		/* 1-32 */
	char           *developer_website_url;	/* https */
	char           *developer_privacy_url;	/* https */
	char           *developer_terms_url;	/* https */
	char           *app_version;		/* x.y.z */
	char           *accent_color;		/* #RRGGBB */
	char           *icon_color;		/* PNG, 192x192 */
	char           *icon_outline;		/* PNG, 32x32, white on transparent */
};

/* Environment variables override file keys: CONNECTOR_<KEY IN UPPER CASE>. */
#define CONFIG_ENV_PREFIX "CONNECTOR_"
/* Names the file when -c is not given. */
#define CONFIG_ENV_FILE   "CONNECTOR_CONFIG"

void	 config_init(struct config *);
void	 config_free(struct config *);

/*
 * Reads "key = value" text (from file `name`), then the environment `envp`, then fills
 * defaults and checks every value. On failure returns false with a message naming the key
 * (and file:line where it came from a file) in err.
 */
bool	 config_load_text(struct config *, const char *text, const char *name,
	    char *const *envp, char *err, size_t errlen);
bool	 config_load_file(struct config *, const char *path, char *const *envp,
	    char *err, size_t errlen);

const char *log_level_name(enum log_level);

#endif
