#pragma once
// The AWS shared configuration files (~/.aws/credentials and ~/.aws/config):
// INI parsing, profile resolution and the settings the client layer needs
// (region, endpoint URLs, S3 addressing style).

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "auth/environment.h"
#include "s3ml/result.h"

namespace s3ml {

/// A parsed INI file. Keys are lower-cased. Indented sub-keys under a key with an
/// empty value ("s3 =\n  addressing_style = path") are flattened to "s3.addressing_style".
/// Full-line comments start with '#' or ';'; a '#' or ';' preceded by whitespace
/// starts an inline comment.
struct IniFile {
  std::string path;
  std::map<std::string, std::map<std::string, std::string>> sections;  ///< section name (as written) -> key -> value

  const std::map<std::string, std::string>* Section(const std::string& name) const;
};

/// Parses INI text; errors (kInvalidArgument) name `path` and the line number.
Result<IniFile> ParseIni(std::string_view text, const std::string& path);
/// Reads and parses a file: nullopt when it does not exist; an error when it
/// exists but cannot be read (kIo) or parsed (kInvalidArgument).
Result<std::optional<IniFile>> LoadIniFile(const std::string& path);

/// Locations of the shared files: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE
/// (with "~" expanded), else ~/.aws/credentials and ~/.aws/config.
struct SharedConfigPaths {
  std::string credentials_file;
  std::string config_file;
};
SharedConfigPaths ResolveSharedConfigPaths(const Environment& env);

/// Which profile to use: `profile` if non-empty, else AWS_PROFILE, else
/// AWS_DEFAULT_PROFILE, else "default". `explicitly_named` is false only for the
/// implicit "default" (a missing implicit default profile is not an error).
struct ProfileChoice {
  std::string name;
  bool explicitly_named = false;
};
ProfileChoice ResolveProfileName(const Environment& env, const std::string& profile);

/// The settings of one profile, merged from the config file ([profile x], or
/// [default]) and the credentials file ([x]); the credentials file wins on conflicts.
struct ProfileSettings {
  std::string name;
  SharedConfigPaths paths;
  bool in_credentials_file = false;
  bool in_config_file = false;
  std::map<std::string, std::string> values;  ///< every merged key (nested keys flattened with '.')

  std::string region;                ///< region
  std::string endpoint_url;          ///< endpoint_url (all services)
  std::string s3_endpoint_url;       ///< [services <name>] s3.endpoint_url, or the profile's s3.endpoint_url
  std::string addressing_style;      ///< s3.addressing_style: "", "auto", "path" or "virtual"
  std::string credential_process;    ///< credential_process command line
  std::optional<int> max_attempts;   ///< max_attempts
  std::string retry_mode;            ///< retry_mode
  std::string ca_bundle;             ///< ca_bundle
  std::string aws_access_key_id;     ///< static keys (credentials file first, then config)
  std::string aws_secret_access_key;
  std::string aws_session_token;

  bool found() const { return in_credentials_file || in_config_file; }
};

/// Loads `profile` (resolved with ResolveProfileName). Errors: a malformed file
/// (naming file and line); a profile named explicitly (argument or AWS_PROFILE)
/// that exists in neither file; an invalid max_attempts or addressing_style.
/// A missing implicit "default" profile yields empty settings.
Result<ProfileSettings> LoadProfile(const Environment& env, const std::string& profile);

/// AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region ("" if none).
std::string ResolveRegion(const Environment& env, const ProfileSettings& profile);
/// AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else the profile's services/s3
/// endpoint_url, else its endpoint_url ("" if none). All of them are ignored when
/// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true (or the profile sets
/// ignore_configured_endpoint_urls = true).
std::string ResolveS3EndpointUrl(const Environment& env, const ProfileSettings& profile);

}  // namespace s3ml
