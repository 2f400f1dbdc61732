// HttpClientOptionsFrom (client/client_impl.h): ClientOptions -> the transport's options.
#include <catch2/catch.hpp>

#include <chrono>

#include "client/client_impl.h"

using namespace s3ml;
using namespace std::chrono_literals;

TEST_CASE("HttpClientOptionsFrom: copies the transport's ClientOptions and builds the User-Agent") {
  ClientOptions c;
  c.connect_timeout = 1234ms;
  c.low_speed_limit = 10;
  c.low_speed_time = 7s;
  c.verify_tls = false;
  c.ca_file = "/etc/ca.pem";
  c.max_connections = 3;
  c.user_agent_suffix = "trainer/2";
  HttpClientOptions o = HttpClientOptionsFrom(c);
  CHECK(o.connect_timeout == 1234ms);
  CHECK(o.low_speed_limit == 10);
  CHECK(o.low_speed_time == 7s);
  CHECK_FALSE(o.verify_tls);
  CHECK(o.ca_file == "/etc/ca.pem");
  CHECK(o.max_connections == 3);
  CHECK_THAT(o.user_agent, Catch::StartsWith("s3ml/") && Catch::EndsWith(" trainer/2"));
}
