#include "auth/config_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "common/http_types.h"

namespace s3ml {

namespace {

std::string Trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// Cuts an inline comment: '#' or ';' preceded by whitespace.
std::string_view StripInlineComment(std::string_view s) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    if ((s[i] == '#' || s[i] == ';') && (s[i - 1] == ' ' || s[i - 1] == '\t')) return s.substr(0, i);
  }
  return s;
}

}  // namespace

const std::map<std::string, std::string>* IniFile::Section(const std::string& name) const {
  auto it = sections.find(name);
  return it == sections.end() ? nullptr : &it->second;
}

Result<IniFile> ParseIni(std::string_view text, const std::string& path) {
  IniFile ini;
  ini.path = path;
  std::map<std::string, std::string>* section = nullptr;
  std::string parent;  // key with an empty value whose indented lines are sub-keys
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    const bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    auto where = [&] { return path + ":" + std::to_string(line_no) + ": "; };

    if (line[0] == '[') {
      std::string head = Trim(StripInlineComment(line));
      if (head.size() < 2 || head.back() != ']')
        return Status::InvalidArgument(where() + "malformed section header '" + line + "' (missing ']')");
      std::string name = Trim(std::string_view(head).substr(1, head.size() - 2));
      if (name.empty()) return Status::InvalidArgument(where() + "empty section name");
      section = &ini.sections[name];
      parent.clear();
      continue;
    }
    std::size_t eq = line.find_first_of("=:");
    if (eq == std::string::npos)
      return Status::InvalidArgument(where() + "expected 'key = value' or '[section]', got '" + line + "'");
    if (section == nullptr)
      return Status::InvalidArgument(where() + "'" + line + "' appears before any [section]");
    std::string key = ToLower(Trim(std::string_view(line).substr(0, eq)));
    std::string value = Trim(StripInlineComment(std::string_view(line).substr(eq + 1)));
    if (key.empty()) return Status::InvalidArgument(where() + "missing key before '='");
    if (indented && !parent.empty()) {
      (*section)[parent + "." + key] = value;
      continue;
    }
    (*section)[key] = value;
    parent = value.empty() ? key : std::string();
  }
  return ini;
}

Result<std::optional<IniFile>> LoadIniFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<IniFile>();
    return Status(ErrorCategory::kIo, "cannot access " + path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return Status(ErrorCategory::kIo, path + " is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCategory::kIo, "cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status(ErrorCategory::kIo, "cannot read " + path);
  S3ML_ASSIGN_OR_RETURN(IniFile ini, ParseIni(ss.str(), path));
  return std::optional<IniFile>(std::move(ini));
}

SharedConfigPaths ResolveSharedConfigPaths(const Environment& env) {
  SharedConfigPaths p;
  const std::string aws_dir = env.HomeDir().empty() ? std::string("~/.aws") : env.HomeDir() + "/.aws";
  p.credentials_file = env.ExpandUser(env.GetOr("AWS_SHARED_CREDENTIALS_FILE", aws_dir + "/credentials"));
  p.config_file = env.ExpandUser(env.GetOr("AWS_CONFIG_FILE", aws_dir + "/config"));
  return p;
}

ProfileChoice ResolveProfileName(const Environment& env, const std::string& profile) {
  if (!profile.empty()) return {profile, true};
  if (env.IsSet("AWS_PROFILE")) return {env.GetOr("AWS_PROFILE"), true};
  if (env.IsSet("AWS_DEFAULT_PROFILE")) return {env.GetOr("AWS_DEFAULT_PROFILE"), true};
  return {"default", false};
}

Result<ProfileSettings> LoadProfile(const Environment& env, const std::string& profile) {
  ProfileChoice choice = ResolveProfileName(env, profile);
  ProfileSettings s;
  s.name = choice.name;
  s.paths = ResolveSharedConfigPaths(env);
  S3ML_ASSIGN_OR_RETURN(std::optional<IniFile> config, LoadIniFile(s.paths.config_file));
  S3ML_ASSIGN_OR_RETURN(std::optional<IniFile> creds, LoadIniFile(s.paths.credentials_file));

  const std::map<std::string, std::string>* config_section = nullptr;
  if (config) {
    config_section = config->Section("profile " + s.name);
    if (config_section == nullptr && s.name == "default") config_section = config->Section("default");
  }
  const std::map<std::string, std::string>* creds_section = creds ? creds->Section(s.name) : nullptr;
  s.in_config_file = config_section != nullptr;
  s.in_credentials_file = creds_section != nullptr;
  if (!s.found()) {
    if (!choice.explicitly_named) return s;
    return Status(ErrorCategory::kInvalidArgument,
                  "profile '" + s.name + "' not found in " + s.paths.credentials_file +
                      (creds ? "" : " (missing)") + " or " + s.paths.config_file + (config ? "" : " (missing)"));
  }
  if (config_section) s.values = *config_section;
  if (creds_section)
    for (const auto& [k, v] : *creds_section) s.values[k] = v;

  auto get = [&](const std::string& k) {
    auto it = s.values.find(k);
    return it == s.values.end() ? std::string() : it->second;
  };
  s.region = get("region");
  s.endpoint_url = get("endpoint_url");
  s.s3_endpoint_url = get("s3.endpoint_url");
  s.addressing_style = ToLower(get("s3.addressing_style"));
  s.credential_process = get("credential_process");
  s.retry_mode = get("retry_mode");
  s.ca_bundle = env.ExpandUser(get("ca_bundle"));
  s.aws_access_key_id = get("aws_access_key_id");
  s.aws_secret_access_key = get("aws_secret_access_key");
  s.aws_session_token = get("aws_session_token");
  if (s.aws_session_token.empty()) s.aws_session_token = get("aws_security_token");

  const std::string where = "profile '" + s.name + "' (" + s.paths.config_file + ")";
  if (std::string services = get("services"); !services.empty() && config) {
    const auto* sec = config->Section("services " + services);
    if (sec == nullptr)
      return Status::InvalidArgument(where + ": services = " + services + " but there is no [services " + services +
                                     "] section");
    auto it = sec->find("s3.endpoint_url");
    if (it != sec->end()) s.s3_endpoint_url = it->second;
  }
  if (std::string ma = get("max_attempts"); !ma.empty()) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(ma.c_str(), &end, 10);
    if (errno != 0 || end == ma.c_str() || *end != '\0' || v < 1 || v > 100)
      return Status::InvalidArgument(where + ": max_attempts must be an integer from 1 to 100, got '" + ma + "'");
    s.max_attempts = static_cast<int>(v);
  }
  if (!s.addressing_style.empty() && s.addressing_style != "auto" && s.addressing_style != "path" &&
      s.addressing_style != "virtual")
    return Status::InvalidArgument(where + ": s3.addressing_style must be auto, path or virtual, got '" +
                                   s.addressing_style + "'");
  return s;
}

std::string ResolveRegion(const Environment& env, const ProfileSettings& profile) {
  if (env.IsSet("AWS_REGION")) return env.GetOr("AWS_REGION");
  if (env.IsSet("AWS_DEFAULT_REGION")) return env.GetOr("AWS_DEFAULT_REGION");
  return profile.region;
}

std::string ResolveS3EndpointUrl(const Environment& env, const ProfileSettings& profile) {
  auto it = profile.values.find("ignore_configured_endpoint_urls");
  if (env.IsTrue("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ||
      (it != profile.values.end() && ToLower(it->second) == "true"))
    return {};
  if (env.IsSet("AWS_ENDPOINT_URL_S3")) return env.GetOr("AWS_ENDPOINT_URL_S3");
  if (env.IsSet("AWS_ENDPOINT_URL")) return env.GetOr("AWS_ENDPOINT_URL");
  if (!profile.s3_endpoint_url.empty()) return profile.s3_endpoint_url;
  return profile.endpoint_url;
}

}  // namespace s3ml
