#pragma once
/// \file The parsed form of an S3 Select statement (internal to the select layer).

#include <memory>
#include <string>
#include <vector>

#include "s3ml/status.h"
#include "select/select.h"
#include "select/value.h"

namespace s3ml::select {

/// 1-based source position of a token, for "line L, column C" in error messages.
struct Pos {
  int line = 1;
  int column = 1;
};

/// A query-time error with S3's code and the position in the SQL text.
Status SqlError(const char* code, const std::string& what, Pos pos);
/// A data/evaluation error (category kService), optionally with a position.
Status DataError(const char* code, const std::string& what);

/// One step of a path: `.name`, `."Name"`, `[3]`, `[*]`.
struct PathStep {
  enum class Kind { kField, kIndex, kWildcard };
  Kind kind = Kind::kField;
  std::string name;
  bool quoted = false;  // quoted names match case-sensitively
  int64_t index = 0;
};

enum class CastType { kInt, kFloat, kDecimal, kString, kBool, kTimestamp };

struct Expr {
  enum class Kind {
    kLiteral,     // literal
    kPath,        // path (first step may be the FROM alias)
    kNeg, kNot,   // args[0]
    kBinary,      // op in `op`: + - * / % || = != < <= > >= AND OR
    kLike,        // args: value, pattern, [escape]; negated
    kBetween,     // args: value, low, high; negated
    kIn,          // args: value, list...; negated
    kIsNull,      // args[0]; negated
    kIsMissing,   // args[0]; negated
    kCast,        // args[0], cast_type
    kCall,        // fn: LOWER UPPER CHAR_LENGTH COALESCE NULLIF SUBSTRING TRIM
    kAggregate,   // fn: COUNT SUM AVG MIN MAX; args empty for COUNT(*); agg_slot
  };
  Kind kind = Kind::kLiteral;
  Pos pos;
  Value literal;
  std::vector<PathStep> path;
  std::string op;  // binary operator or function name (upper case)
  std::string trim_spec;  // LEADING/TRAILING/BOTH for TRIM
  bool negated = false;
  CastType cast_type = CastType::kString;
  int agg_slot = -1;
  std::vector<std::unique_ptr<Expr>> args;

  Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;
  /// Frees the subtree iteratively (its depth can be the length of the statement).
  ~Expr();
};

struct SelectItem {
  std::unique_ptr<Expr> expr;
  std::string alias;  // explicit AS name, or derived from a path, or empty (positional _N)
  bool derived = false;  // alias was derived from the path's last name
};

/// The whole statement.
struct QueryPlan {
  std::string sql;
  bool select_star = false;
  std::vector<SelectItem> items;
  std::string from_alias;              // lower-cased; empty when none
  std::vector<PathStep> from_path;     // after S3Object: [*], .name, ...
  std::unique_ptr<Expr> where;
  std::optional<int64_t> limit;
  int aggregate_count = 0;             // number of aggregate slots
};

/// Parses `sql` into a plan (lexer + recursive descent).
Result<std::shared_ptr<const QueryPlan>> ParseSql(std::string_view sql);

}  // namespace s3ml::select
