#include "auth/providers.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include <nlohmann/json.hpp>

#include "auth/subprocess.h"
#include "common/uri.h"

namespace s3ml {

namespace {

constexpr const char* kBrokenCode = "InvalidCredentials";

// A configured source that cannot be used: the chain stops here.
Status Broken(const std::string& source, const std::string& why) {
  return Status(ErrorCategory::kCredentials, source + ": " + why).WithCode(kBrokenCode);
}

Clock& ClockOf(const RefreshOptions& o) { return o.clock ? *o.clock : SystemClock(); }

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string FirstLine(std::string s, std::size_t max = 300) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

// ---------------------------------------------------------------- environment

class EnvironmentProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentProvider(const Environment& env) : result_(Load(env)) {}
  Result<Credentials> GetCredentials() override { return result_; }
  std::string Name() const override { return "environment"; }

 private:
  static Result<Credentials> Load(const Environment& env) {
    const bool has_key = env.IsSet("AWS_ACCESS_KEY_ID"), has_secret = env.IsSet("AWS_SECRET_ACCESS_KEY");
    if (!has_key && !has_secret) return NoCredentials("environment", "AWS_ACCESS_KEY_ID not set");
    if (!has_key) return Broken("environment", "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    if (!has_secret) return Broken("environment", "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    Credentials c;
    c.access_key_id = env.GetOr("AWS_ACCESS_KEY_ID");
    c.secret_access_key = env.GetOr("AWS_SECRET_ACCESS_KEY");
    c.session_token = env.GetOr("AWS_SESSION_TOKEN", env.GetOr("AWS_SECURITY_TOKEN"));
    if (env.IsSet("AWS_CREDENTIAL_EXPIRATION")) {
      // Clamped: "9999-12-31T00:00:00Z" (never) is a common way to say static.
      auto t = ParseIso8601(env.GetOr("AWS_CREDENTIAL_EXPIRATION"), OutOfRange::kClamp);
      if (!t.ok()) return Broken("environment", "AWS_CREDENTIAL_EXPIRATION: " + t.status().message());
      c.expiration = *t;
    }
    c.source = "environment";
    return c;
  }
  Result<Credentials> result_;
};

// ---------------------------------------------------------------- shared files

class SharedFileProvider final : public CredentialsProvider {
 public:
  SharedFileProvider(const Environment& env, SharedFile which, std::string profile)
      : env_(env), which_(which), profile_(std::move(profile)), paths_(ResolveSharedConfigPaths(env)) {}

  std::string Name() const override {
    return which_ == SharedFile::kCredentials ? "shared credentials file " + paths_.credentials_file
                                              : "shared config file " + paths_.config_file;
  }

  Result<Credentials> GetCredentials() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cached_) return *cached_;
    }
    auto r = Load();
    if (r.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      cached_ = *r;
    }
    return r;
  }

 private:
  Result<Credentials> Load() const {
    const std::string name = Name();
    const ProfileChoice choice = ResolveProfileName(env_, profile_);
    const std::string& path = which_ == SharedFile::kCredentials ? paths_.credentials_file : paths_.config_file;
    auto file = LoadIniFile(path);
    if (!file.ok()) return Broken(name, file.status().message());
    const std::map<std::string, std::string>* section = nullptr;
    if (*file) {
      section = which_ == SharedFile::kCredentials ? (*file)->Section(choice.name)
                                                   : (*file)->Section("profile " + choice.name);
      if (section == nullptr && which_ == SharedFile::kConfig && choice.name == "default")
        section = (*file)->Section("default");
    }
    if (section == nullptr) {
      // An explicitly chosen profile must exist somewhere (as the AWS CLI insists);
      // the config-file provider, which runs second, checks both files.
      if (which_ == SharedFile::kConfig && choice.explicitly_named) {
        auto profile = LoadProfile(env_, profile_);
        if (!profile.ok()) return Broken(name, profile.status().message());
      }
      if (!*file) return NoCredentials(name, "not found");
      return NoCredentials(name, "no profile '" + choice.name + "'");
    }
    auto get = [&](const char* k) {
      auto it = section->find(k);
      return it == section->end() ? std::string() : it->second;
    };
    Credentials c;
    c.access_key_id = get("aws_access_key_id");
    c.secret_access_key = get("aws_secret_access_key");
    c.session_token = get("aws_session_token");
    if (c.session_token.empty()) c.session_token = get("aws_security_token");
    const std::string where = "profile '" + choice.name + "'";
    if (c.access_key_id.empty() && c.secret_access_key.empty())
      return NoCredentials(name, where + " has no aws_access_key_id");
    if (c.access_key_id.empty()) return Broken(name, where + " has aws_secret_access_key but no aws_access_key_id");
    if (c.secret_access_key.empty())
      return Broken(name, where + " has aws_access_key_id but no aws_secret_access_key");
    c.source = name + " (profile " + choice.name + ")";
    return c;
  }

  const Environment env_;
  const SharedFile which_;
  const std::string profile_;
  const SharedConfigPaths paths_;
  std::mutex mu_;  // guards cached_
  std::optional<Credentials> cached_;
};

// ---------------------------------------------------------------- refreshing cache

class RefreshingProvider final : public CredentialsProvider {
 public:
  RefreshingProvider(std::string name, std::function<Result<Credentials>()> fetch, RefreshOptions opts)
      : name_(std::move(name)), fetch_(std::move(fetch)), clock_(ClockOf(opts)), before_(opts.refresh_before) {}

  std::string Name() const override { return name_; }

  Result<Credentials> GetCredentials() override {
    if (auto c = Cached(clock_.Now())) return *c;
    // One refresh at a time; later callers find the fresh credentials.
    std::lock_guard<std::mutex> refresh(refresh_mu_);
    SystemTime now = clock_.Now();
    if (auto c = Cached(now)) return *c;
    Result<Credentials> r = fetch_();
    std::lock_guard<std::mutex> lock(mu_);
    // Whatever happened, don't ask again for a little while if we have usable credentials.
    next_attempt_ = now + kMinRetryInterval;
    if (r.ok()) {
      cached_ = *r;
      return r;
    }
    if (cached_ && (!cached_->expiration || now < *cached_->expiration)) return *cached_;
    return r;
  }

 private:
  static constexpr std::chrono::seconds kMinRetryInterval{30};

  std::optional<Credentials> Cached(SystemTime now) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!cached_) return std::nullopt;
    if (!cached_->expiration) return cached_;
    if (now + before_ < *cached_->expiration) return cached_;
    // Inside the refresh window: keep serving unexpired credentials between attempts.
    if (now < *cached_->expiration && now < next_attempt_) return cached_;
    return std::nullopt;
  }

  const std::string name_;
  const std::function<Result<Credentials>()> fetch_;
  Clock& clock_;
  const std::chrono::seconds before_;
  std::mutex refresh_mu_;  // held while fetching
  std::mutex mu_;          // guards cached_ and next_attempt_
  std::optional<Credentials> cached_;
  SystemTime next_attempt_{};
};

// ---------------------------------------------------------------- credential_process

Result<Credentials> RunCredentialProcess(const std::string& name, const std::string& command,
                                         std::chrono::milliseconds timeout) {
  const std::string what = "command `" + command + "`";
  auto run = RunShellCommand(command, timeout);
  if (!run.ok()) return Broken(name, what + ": " + run.status().message());
  if (run->term_signal != 0)
    return Broken(name, what + " was killed by signal " + std::to_string(run->term_signal));
  if (run->exit_code != 0) {
    std::string err = FirstLine(run->err);
    return Broken(name, what + " exited with status " + std::to_string(run->exit_code) +
                            (err.empty() ? std::string() : ": " + err));
  }
  nlohmann::json j = nlohmann::json::parse(run->out, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Broken(name, what + " did not print a JSON object (got '" + FirstLine(run->out, 80) + "')");
  auto str = [&](const char* k) -> std::string {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto version = j.find("Version");
  if (version == j.end() || !version->is_number_integer() || version->get<int>() != 1)
    return Broken(name, what + ": output must have \"Version\": 1" +
                            (version == j.end() ? std::string(" (missing)") : " (got " + version->dump() + ")"));
  Credentials c;
  c.access_key_id = str("AccessKeyId");
  c.secret_access_key = str("SecretAccessKey");
  c.session_token = str("SessionToken");
  if (c.access_key_id.empty()) return Broken(name, what + ": output lacks AccessKeyId");
  if (c.secret_access_key.empty()) return Broken(name, what + ": output lacks SecretAccessKey");
  if (std::string exp = str("Expiration"); !exp.empty()) {
    auto t = ParseIso8601(exp, OutOfRange::kClamp);
    if (!t.ok()) return Broken(name, what + ": bad Expiration: " + t.status().message());
    c.expiration = *t;
  }
  c.source = name;
  return c;
}

class ProfileProcessProvider final : public CredentialsProvider {
 public:
  ProfileProcessProvider(const Environment& env, std::string profile, RefreshOptions refresh)
      : env_(env), profile_(std::move(profile)), refresh_(refresh),
        name_("credential_process (profile " + ResolveProfileName(env, profile_).name + ")") {}

  std::string Name() const override { return name_; }

  Result<Credentials> GetCredentials() override {
    std::shared_ptr<CredentialsProvider> inner;
    {
      std::lock_guard<std::mutex> lock(mu_);
      inner = inner_;
    }
    if (!inner) {
      auto profile = LoadProfile(env_, profile_);
      if (!profile.ok()) return Broken(name_, profile.status().message());
      if (profile->credential_process.empty())
        return NoCredentials(name_, profile->found() ? "profile has no credential_process" : "profile not found");
      std::lock_guard<std::mutex> lock(mu_);
      if (!inner_) inner_ = MakeProcessProvider(profile->credential_process, name_, refresh_);
      inner = inner_;
    }
    return inner->GetCredentials();
  }

 private:
  const Environment env_;
  const std::string profile_;
  const RefreshOptions refresh_;
  const std::string name_;
  std::mutex mu_;  // guards inner_
  std::shared_ptr<CredentialsProvider> inner_;
};

// ---------------------------------------------------------------- IMDSv2

class ImdsClient {
 public:
  ImdsClient(HttpFetcher fetcher, Endpoint endpoint, ImdsOptions options, std::string disabled_why)
      : fetcher_(std::move(fetcher)), endpoint_(std::move(endpoint)), options_(std::move(options)),
        clock_(ClockOf(options_.refresh)), disabled_why_(std::move(disabled_why)) {}

  Result<Credentials> Fetch() {
    if (!disabled_why_.empty()) return NoCredentials("imds", disabled_why_);
    if (!fetcher_) return NoCredentials("imds", "no HTTP fetcher configured");
    for (int attempt = 0;; ++attempt) {
      S3ML_ASSIGN_OR_RETURN(std::string token, Token());
      S3ML_ASSIGN_OR_RETURN(HttpResponse roles, Get("/latest/meta-data/iam/security-credentials/", token));
      if (roles.status == 401 && attempt == 0) {  // token expired or revoked: get a new one, once
        ForgetToken();
        continue;
      }
      if (roles.status == 404)
        return NoCredentials("imds", "no IAM role attached to this instance (HTTP 404 from " +
                                         Url("/latest/meta-data/iam/security-credentials/") + ")");
      S3ML_RETURN_IF_ERROR(ExpectOk(roles, "GET", "/latest/meta-data/iam/security-credentials/"));
      std::string body = roles.body.str();
      std::string role = body.substr(0, body.find('\n'));
      while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
      if (role.empty()) return NoCredentials("imds", "empty role list from " +
                                                         Url("/latest/meta-data/iam/security-credentials/"));
      const std::string creds_path = "/latest/meta-data/iam/security-credentials/" + UriEncode(role);
      S3ML_ASSIGN_OR_RETURN(HttpResponse creds, Get(creds_path, token));
      if (creds.status == 401 && attempt == 0) {
        ForgetToken();
        continue;
      }
      S3ML_RETURN_IF_ERROR(ExpectOk(creds, "GET", creds_path));
      return ParseCredentials(creds.body.str(), role, creds_path);
    }
  }

 private:
  std::string Url(const std::string& path) const {
    HttpRequest r = Request("GET", path);
    return r.Url();
  }

  HttpRequest Request(std::string method, const std::string& path) const {
    HttpRequest r;
    r.method = std::move(method);
    r.scheme = endpoint_.scheme;
    r.host = endpoint_.host;
    r.port = endpoint_.port;
    r.path = endpoint_.base_path + path;
    return r;
  }

  Result<HttpResponse> Send(const HttpRequest& req) const {
    auto r = fetcher_(req);
    if (!r.ok()) return NoCredentials("imds", req.method + " " + req.Url() + ": " + r.status().message());
    return r;
  }

  Status ExpectOk(const HttpResponse& resp, const std::string& method, const std::string& path) const {
    if (resp.status == 200) return Status::Ok();
    std::string body = FirstLine(resp.body.str(), 120);
    return NoCredentials("imds", method + " " + Url(path) + ": HTTP " + std::to_string(resp.status) +
                                     (body.empty() ? std::string() : " (" + body + ")"));
  }

  Result<HttpResponse> Get(const std::string& path, const std::string& token) const {
    HttpRequest req = Request("GET", path);
    req.headers.Set("X-aws-ec2-metadata-token", token);
    return Send(req);
  }

  void ForgetToken() {
    std::lock_guard<std::mutex> lock(mu_);
    token_.clear();
  }

  Result<std::string> Token() {
    const SystemTime now = clock_.Now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!token_.empty() && now + std::chrono::seconds(60) < token_expiry_) return token_;
    }
    HttpRequest req = Request("PUT", "/latest/api/token");
    req.headers.Set("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(options_.token_ttl.count()));
    S3ML_ASSIGN_OR_RETURN(HttpResponse resp, Send(req));
    S3ML_RETURN_IF_ERROR(ExpectOk(resp, "PUT", "/latest/api/token"));
    std::string token = resp.body.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.empty()) return NoCredentials("imds", "PUT " + req.Url() + " returned an empty token");
    std::lock_guard<std::mutex> lock(mu_);
    token_ = token;
    token_expiry_ = now + options_.token_ttl;
    return token;
  }

  Result<Credentials> ParseCredentials(const std::string& body, const std::string& role,
                                       const std::string& path) const {
    const std::string where = "GET " + Url(path);
    nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
      return NoCredentials("imds", where + ": answer is not a JSON object ('" + FirstLine(body, 80) + "')");
    auto str = [&](const char* k) -> std::string {
      auto it = j.find(k);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (std::string code = str("Code"); !code.empty() && code != "Success")
      return NoCredentials("imds", where + ": Code " + code + (str("Message").empty() ? "" : ": " + str("Message")));
    Credentials c;
    c.access_key_id = str("AccessKeyId");
    c.secret_access_key = str("SecretAccessKey");
    c.session_token = str("Token");
    if (c.access_key_id.empty() || c.secret_access_key.empty())
      return NoCredentials("imds", where + ": answer lacks AccessKeyId or SecretAccessKey");
    if (std::string exp = str("Expiration"); !exp.empty()) {
      auto t = ParseIso8601(exp, OutOfRange::kClamp);
      if (!t.ok()) return NoCredentials("imds", where + ": bad Expiration: " + t.status().message());
      c.expiration = *t;
    }
    c.source = "imds (role " + role + ")";
    return c;
  }

  const HttpFetcher fetcher_;
  const Endpoint endpoint_;
  const ImdsOptions options_;
  Clock& clock_;
  const std::string disabled_why_;
  std::mutex mu_;  // guards token_ and token_expiry_
  std::string token_;
  SystemTime token_expiry_{};
};

// ---------------------------------------------------------------- chain

// One source of a chain and how a person would name where it looked ("the shared
// credentials file /home/u/.aws/credentials"); empty: the provider's Name().
struct ChainLink {
  std::shared_ptr<CredentialsProvider> provider;
  std::string where;
};

class ChainProvider final : public CredentialsProvider {
 public:
  ChainProvider(std::vector<ChainLink> links, std::string advice) : advice_(std::move(advice)) {
    for (auto& l : links) {
      if (!l.provider) continue;
      if (l.where.empty()) l.where = l.provider->Name();
      providers_.push_back(l.provider);
      where_.push_back(std::move(l.where));
    }
  }

  std::string Name() const override {
    std::vector<std::string> names;
    for (const auto& p : providers_) names.push_back(p->Name());
    return "chain (" + Join(names, ", ") + ")";
  }

  Result<Credentials> GetCredentials() override {
    const int winner = winner_.load();
    if (winner >= 0) {
      auto r = providers_[static_cast<std::size_t>(winner)]->GetCredentials();
      if (r.ok()) return r;
    }
    std::vector<std::string> tried;
    for (std::size_t i = 0; i < providers_.size(); ++i) {
      auto r = providers_[i]->GetCredentials();
      if (r.ok()) {
        winner_.store(static_cast<int>(i));
        return r;
      }
      if (r.status().code() != kNoCredentialsCode) {
        // ADR 0003: a configured but broken source stops the chain with its own error.
        return Status(ErrorCategory::kCredentials,
                      "credentials source is configured but unusable: " + Described(*providers_[i], r.status()) +
                          (tried.empty() ? std::string() : " (tried before it: " + Join(tried, "; ") + ")"))
            .WithCode(r.status().code().empty() ? kBrokenCode : r.status().code());
      }
      tried.push_back(where_[i] + ": " + Why(*providers_[i], r.status()));
    }
    if (tried.empty()) return NoCredentials("credentials chain", "no providers configured");
    return Status(ErrorCategory::kCredentials,
                  "Unable to locate credentials. Looked in: " + Join(tried, "; ") + "." + advice_)
        .WithCode(kNoCredentialsCode);
  }

 private:
  // The provider's message, prefixed with its name unless it already starts with it.
  static std::string Described(const CredentialsProvider& p, const Status& st) {
    std::string name = p.Name();
    const std::string& msg = st.message();
    if (msg.rfind(name + ": ", 0) == 0) return msg;
    return name + ": " + msg;
  }
  // The provider's message without its "<name>: " prefix (the chain names the source itself).
  static std::string Why(const CredentialsProvider& p, const Status& st) {
    const std::string prefix = p.Name() + ": ";
    const std::string& msg = st.message();
    return msg.rfind(prefix, 0) == 0 ? msg.substr(prefix.size()) : msg;
  }

  std::vector<std::shared_ptr<CredentialsProvider>> providers_;
  std::vector<std::string> where_;  // parallel to providers_
  const std::string advice_;        // appended to "Unable to locate credentials" (may be empty)
  std::atomic<int> winner_{-1};
};

}  // namespace

Status NoCredentials(const std::string& source, const std::string& why) {
  return Status(ErrorCategory::kCredentials, source + ": " + why).WithCode(kNoCredentialsCode);
}

std::shared_ptr<CredentialsProvider> MakeEnvironmentProvider(const Environment& env) {
  return std::make_shared<EnvironmentProvider>(env);
}

std::shared_ptr<CredentialsProvider> MakeSharedFileProvider(const Environment& env, SharedFile which,
                                                            std::string profile) {
  return std::make_shared<SharedFileProvider>(env, which, std::move(profile));
}

std::shared_ptr<CredentialsProvider> MakeRefreshingProvider(std::string name,
                                                            std::function<Result<Credentials>()> fetch,
                                                            RefreshOptions refresh) {
  return std::make_shared<RefreshingProvider>(std::move(name), std::move(fetch), refresh);
}

std::shared_ptr<CredentialsProvider> MakeProcessProvider(std::string command, std::string name,
                                                         RefreshOptions refresh, std::chrono::milliseconds timeout) {
  auto fetch = [command, name, timeout] { return RunCredentialProcess(name, command, timeout); };
  return MakeRefreshingProvider(name, std::move(fetch), refresh);
}

std::shared_ptr<CredentialsProvider> MakeProfileProcessProvider(const Environment& env, std::string profile,
                                                                RefreshOptions refresh) {
  return std::make_shared<ProfileProcessProvider>(env, std::move(profile), refresh);
}

Result<Endpoint> ResolveImdsEndpoint(const Environment& env, const ImdsOptions& options) {
  std::string url = options.endpoint;
  std::string from = "the IMDS endpoint option";
  if (url.empty() && env.IsSet("AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    url = env.GetOr("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    from = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
  }
  if (url.empty()) {
    std::string mode = ToLower(env.GetOr("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv4"));
    if (mode != "ipv4" && mode != "ipv6")
      return Status::InvalidArgument("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6, got '" +
                                     env.GetOr("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE") + "'");
    url = mode == "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254";
  }
  auto ep = ParseEndpoint(url);
  if (!ep.ok()) return Status::InvalidArgument(from + ": " + ep.status().message());
  return ep;
}

std::shared_ptr<CredentialsProvider> MakeImdsProvider(const Environment& env, HttpFetcher fetcher,
                                                      ImdsOptions options) {
  std::string disabled;
  if (options.disabled) disabled = "disabled by configuration";
  if (env.IsTrue("AWS_EC2_METADATA_DISABLED")) disabled = "disabled by AWS_EC2_METADATA_DISABLED";
  Endpoint endpoint;
  if (disabled.empty()) {
    auto ep = ResolveImdsEndpoint(env, options);
    if (ep.ok()) {
      endpoint = *ep;
    } else {
      disabled = ep.status().message();
    }
  }
  RefreshOptions refresh = options.refresh;
  auto client = std::make_shared<ImdsClient>(std::move(fetcher), std::move(endpoint), std::move(options),
                                             std::move(disabled));
  return MakeRefreshingProvider("imds", [client] { return client->Fetch(); }, refresh);
}

std::shared_ptr<CredentialsProvider> MakeChainProvider(std::vector<std::shared_ptr<CredentialsProvider>> providers) {
  std::vector<ChainLink> links;
  for (auto& p : providers) links.push_back(ChainLink{std::move(p), {}});
  return std::make_shared<ChainProvider>(std::move(links), std::string());
}

Result<std::shared_ptr<CredentialsProvider>> MakeDefaultCredentialsChain(const Environment& env,
                                                                         ChainOptions options) {
  // Each source with the words the "Unable to locate credentials" message uses for it
  // (as the aws CLI lists them).
  std::vector<ChainLink> links;
  if (options.explicit_credentials) {
    if (options.explicit_credentials->empty())
      return Status(ErrorCategory::kInvalidArgument,
                    "explicit credentials need both an access key id and a secret access key");
    links.push_back({MakeStaticCredentialsProvider(*options.explicit_credentials), "explicit credentials"});
  }
  const SharedConfigPaths paths = ResolveSharedConfigPaths(env);
  const std::string profile = ResolveProfileName(env, options.profile).name;
  links.push_back({MakeEnvironmentProvider(env), "environment variables (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"});
  links.push_back({MakeSharedFileProvider(env, SharedFile::kCredentials, options.profile),
                   "the shared credentials file " + paths.credentials_file});
  links.push_back({MakeSharedFileProvider(env, SharedFile::kConfig, options.profile),
                   "the shared config file " + paths.config_file});
  links.push_back({MakeProfileProcessProvider(env, options.profile, options.refresh),
                   "a credential_process in profile '" + profile + "'"});
  ImdsOptions imds = options.imds;
  if (imds.refresh.clock == nullptr) imds.refresh = options.refresh;
  if (!imds.disabled && !env.IsTrue("AWS_EC2_METADATA_DISABLED")) {
    auto ep = ResolveImdsEndpoint(env, imds);
    if (!ep.ok()) return ep.status();
  }
  links.push_back({MakeImdsProvider(env, std::move(options.imds_fetcher), std::move(imds)),
                   "the EC2 instance metadata service (IMDS)"});
  return std::shared_ptr<CredentialsProvider>(std::make_shared<ChainProvider>(
      std::move(links), " Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile (aws configure)."));
}

// ---------------------------------------------------------------- public API (s3ml/credentials.h)

std::shared_ptr<CredentialsProvider> MakeChainCredentialsProvider(
    std::vector<std::shared_ptr<CredentialsProvider>> providers) {
  return MakeChainProvider(std::move(providers));
}

std::shared_ptr<CredentialsProvider> MakeEnvironmentCredentialsProvider() {
  return MakeEnvironmentProvider(Environment::FromProcess());
}

std::shared_ptr<CredentialsProvider> MakeProfileCredentialsProvider(std::string profile) {
  Environment env = Environment::FromProcess();
  return MakeChainProvider({MakeSharedFileProvider(env, SharedFile::kCredentials, profile),
                            MakeSharedFileProvider(env, SharedFile::kConfig, profile),
                            MakeProfileProcessProvider(env, profile)});
}

std::shared_ptr<CredentialsProvider> MakeProcessCredentialsProvider(std::string command) {
  return MakeProcessProvider(std::move(command));
}

}  // namespace s3ml
