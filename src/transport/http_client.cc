#include "transport/http_client.h"

namespace s3ml {

// Out of line so the vtable has one home.
HttpClient::~HttpClient() = default;

}  // namespace s3ml
