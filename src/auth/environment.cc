#include "auth/environment.h"

#include <pwd.h>
#include <unistd.h>

#include <vector>

#include "common/http_types.h"

extern char** environ;  // POSIX; read once, in FromProcess only

namespace s3ml {

Environment Environment::FromProcess() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    env.vars_.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  auto home = env.vars_.find("HOME");
  if (home != env.vars_.end() && !home->second.empty()) {
    env.home_ = home->second;
  } else {
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
    passwd pw{};
    passwd* result = nullptr;
    if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr && pw.pw_dir != nullptr)
      env.home_ = pw.pw_dir;
  }
  return env;
}

Environment Environment::FromMap(std::map<std::string, std::string> vars, std::string home) {
  Environment env;
  env.vars_ = std::move(vars);
  if (!home.empty()) {
    env.home_ = std::move(home);
  } else {
    auto it = env.vars_.find("HOME");
    if (it != env.vars_.end()) env.home_ = it->second;
  }
  return env;
}

std::optional<std::string> Environment::Get(const std::string& name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

std::string Environment::GetOr(const std::string& name, const std::string& def) const {
  auto it = vars_.find(name);
  return it == vars_.end() || it->second.empty() ? def : it->second;
}

bool Environment::IsSet(const std::string& name) const {
  auto it = vars_.find(name);
  return it != vars_.end() && !it->second.empty();
}

bool Environment::IsTrue(const std::string& name) const {
  std::string v = ToLower(GetOr(name));
  return v == "true" || v == "1" || v == "yes" || v == "on";
}

std::string Environment::ExpandUser(const std::string& path) const {
  if (path == "~") return home_;
  if (path.rfind("~/", 0) == 0 && !home_.empty()) return home_ + path.substr(1);
  return path;
}

}  // namespace s3ml
