// Result<T> on temporaries: the README's `for (const auto& o : f().value().contents)`.
#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <vector>

#include "s3ml/result.h"
#include "s3ml/status.h"

using namespace s3ml;

namespace {

// Counts live instances so a loop body can tell whether the container it walks still exists.
struct Tracked {
  static int live;
  int id;
  explicit Tracked(int i) : id(i) { ++live; }
  Tracked(const Tracked& o) : id(o.id) { ++live; }
  Tracked(Tracked&& o) noexcept : id(o.id) { ++live; }
  Tracked& operator=(const Tracked&) = default;
  Tracked& operator=(Tracked&&) = default;
  ~Tracked() { --live; id = -1; }
};
int Tracked::live = 0;

struct Page {
  std::vector<Tracked> contents;
  std::string token;
};

Result<Page> NextPage() {
  Page p;
  for (int i = 0; i < 3; ++i) p.contents.emplace_back(i);
  p.token = "a continuation token long enough to live on the heap, not in the SSO buffer";
  return p;
}

Result<Page> Failed() { return Status(ErrorCategory::kService, "gone").WithCode("NoSuchBucket"); }

}  // namespace

TEST_CASE("Result: value() and * on a temporary return the value, not a reference into the temporary") {
  CHECK(std::is_same_v<decltype(std::declval<Result<Page>>().value()), Page>);
  CHECK(std::is_same_v<decltype(*std::declval<Result<Page>>()), Page>);
  CHECK(std::is_same_v<decltype(std::declval<Result<Page>>().status()), Status>);
  // Lvalues keep returning references (no copies for `r.value()` on a named Result).
  CHECK(std::is_same_v<decltype(std::declval<Result<Page>&>().value()), Page&>);
  CHECK(std::is_same_v<decltype(std::declval<const Result<Page>&>().value()), const Page&>);
  CHECK(std::is_same_v<decltype(std::declval<Status>().code()), std::string>);
  CHECK(std::is_same_v<decltype(std::declval<Status&>().code()), const std::string&>);
}

TEST_CASE("Result: range-for over f().value().member walks a live container (README ListObjectsV2 loop)") {
  Tracked::live = 0;
  std::vector<int> seen;
  for (const auto& obj : NextPage().value().contents) {
    CHECK(Tracked::live == 3);  // with `T&& value() &&` the page is already destroyed here
    seen.push_back(obj.id);
  }
  CHECK(seen == std::vector<int>{0, 1, 2});
  CHECK(Tracked::live == 0);

  for (const auto& obj : (*NextPage()).contents) {
    CHECK(Tracked::live == 3);
    (void)obj;
  }
  const std::string& token = NextPage().value().token;  // lifetime-extended, not dangling
  CHECK(token.rfind("a continuation token", 0) == 0);
}

TEST_CASE("Result: a reference to a temporary's status or error code stays valid") {
  const Status& st = Failed().status();
  CHECK(st.code() == "NoSuchBucket");
  const std::string& code = Failed().status().code();
  CHECK(code == "NoSuchBucket");
  const std::string& message = Failed().status().message();
  CHECK(message == "gone");
}

TEST_CASE("Result: value() on a temporary holding an error still throws s3ml::Error") {
  CHECK_THROWS_AS(Failed().value(), Error);
  CHECK(Failed().value_or(Page{}).contents.empty());
  CHECK(NextPage().value_or(Page{}).contents.size() == 3);
}
