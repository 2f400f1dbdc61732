#pragma once
/// \file Expression evaluation over one input row, and aggregate accumulation.

#include <string>
#include <unordered_map>
#include <vector>

#include "s3ml/result.h"
#include "select/ast.h"
#include "select/value.h"

namespace s3ml::select {

/// CSV header names (FileHeaderInfo USE) with case-insensitive lookup.
class HeaderIndex {
 public:
  HeaderIndex() = default;
  explicit HeaderIndex(std::vector<std::string> names);
  const std::vector<std::string>& names() const { return names_; }
  /// Column index, -1 when absent, -2 when a case-insensitive name is ambiguous.
  int Find(const std::string& name, bool quoted) const;

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> exact_, folded_;
};

/// The current row: CSV fields (with optional headers) or a JSON value.
struct Row {
  const std::vector<std::string>* fields = nullptr;
  const HeaderIndex* headers = nullptr;
  Value json;
};

/// Evaluates a plan's expressions. One per run (holds the aggregate state).
///
/// Thread safety: not thread-safe.
class Evaluator {
 public:
  explicit Evaluator(const QueryPlan& plan);

  /// Evaluates `e` against `row` (aggregate nodes are an error here).
  Result<Value> Eval(const Expr& e, const Row& row);
  /// WHERE: true only when the condition is TRUE (NULL/MISSING reject the row).
  Result<bool> Matches(const Row& row);
  /// Folds `row` into every aggregate of the SELECT list.
  Status Accumulate(const Row& row);
  /// Evaluates a SELECT item after the last row, reading the aggregates' results.
  Result<Value> EvalFinal(const Expr& e);

  /// The whole row as a value (used for `SELECT s` and for `SELECT *` on CSV).
  static Value RowValue(const Row& row);

 private:
  struct AggState {
    int64_t count = 0;
    Value sum;  // Int or Float; Missing before the first value
    Value best; // MIN/MAX
  };
  Result<Value> EvalImpl(const Expr& e, const Row* row);
  Result<Value> Resolve(const Expr& e, const Row& row);
  /// One link of a binary chain: `a` (the left side, already evaluated) op args[1].
  Result<Value> BinaryStep(const Expr& e, Value a, const Row* row);
  Result<Value> Binary(const Expr& e, const Value& a, const Value& b);
  Result<Value> Call(const Expr& e, std::vector<Value>& args);
  Result<Value> Cast(const Expr& e, const Value& v);
  Result<Value> Like(const Expr& e, const Value& v, const Value& pat, const Value* esc);
  Status Fold(const Expr& e, const Row& row);
  Value Finalize(const Expr& e) const;

  const QueryPlan& plan_;
  std::vector<AggState> aggs_;
  std::vector<const Expr*> aggregates_;  // kAggregate nodes of the SELECT list, in fold order
  std::vector<const Expr*> spine_;       // left spines of the binary chains being evaluated
};

/// Error with S3 code for a runtime failure at `pos` (category kService).
Status EvalError(const char* code, const std::string& what, Pos pos);

}  // namespace s3ml::select
