// Expression evaluation with PartiQL's three-valued logic (TRUE/FALSE/NULL, MISSING).
#include "select/eval.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace s3ml::select {

namespace {

std::string FoldCase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsPositional(const PathStep& st) {
  return !st.quoted && st.name.size() > 1 && st.name[0] == '_' &&
         st.name.find_first_not_of("0123456789", 1) == std::string::npos;
}

const char* KindName(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kMissing: return "MISSING";
    case Value::Kind::kNull: return "NULL";
    case Value::Kind::kBool: return "BOOL";
    case Value::Kind::kInt: return "INT";
    case Value::Kind::kFloat: return "FLOAT";
    case Value::Kind::kString: return "STRING";
    case Value::Kind::kTimestamp: return "TIMESTAMP";
    case Value::Kind::kJson: return "STRUCT";
  }
  return "?";
}

// Numbers for arithmetic: CSV fields are strings, so numeric text is read as a number.
std::optional<Value> AsNumber(const Value& v) {
  if (v.numeric()) return v;
  if (v.kind == Value::Kind::kString) return ParseNumber(v.s);
  return std::nullopt;
}

// SQL LIKE over code points; `esc` (if any) makes the next pattern char literal.
bool LikeMatch(const std::vector<std::string>& s, size_t si, const std::vector<std::pair<std::string, int>>& p, size_t pi) {
  // p entries: (char, 0 literal / 1 '_' / 2 '%'); iterative with backtracking on the last '%'.
  size_t star_p = std::string::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi].second == 1 || (p[pi].second == 0 && p[pi].first == s[si]))) {
      ++si, ++pi;
    } else if (pi < p.size() && p[pi].second == 2) {
      star_p = pi++;
      star_s = si;
    } else if (star_p != std::string::npos) {
      pi = star_p + 1;
      si = ++star_s;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi].second == 2) ++pi;
  return pi == p.size();
}

std::vector<std::string> CodePoints(const std::string& s) {
  std::vector<std::string> out;
  auto offs = Utf8Offsets(s);
  for (size_t k = 0; k + 1 < offs.size(); ++k) out.push_back(s.substr(offs[k], offs[k + 1] - offs[k]));
  return out;
}

}  // namespace

Status EvalError(const char* code, const std::string& what, Pos pos) {
  return DataError(code, what + " at line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column));
}

HeaderIndex::HeaderIndex(std::vector<std::string> names) : names_(std::move(names)) {
  for (size_t k = 0; k < names_.size(); ++k) {
    exact_.emplace(names_[k], static_cast<int>(k));
    auto [it, inserted] = folded_.emplace(FoldCase(names_[k]), static_cast<int>(k));
    if (!inserted && it->second != static_cast<int>(k)) it->second = -2;
  }
}

int HeaderIndex::Find(const std::string& name, bool quoted) const {
  if (quoted) {
    auto it = exact_.find(name);
    return it == exact_.end() ? -1 : it->second;
  }
  auto ex = exact_.find(name);  // the usual case, and an exact spelling disambiguates
  if (ex != exact_.end()) return ex->second;
  auto it = folded_.find(FoldCase(name));
  if (it == folded_.end()) return -1;
  return it->second;
}

Evaluator::Evaluator(const QueryPlan& plan) : plan_(plan), aggs_(static_cast<size_t>(plan.aggregate_count)) {
  // The aggregates of the SELECT list, depth-first left to right (the order they
  // fold and report errors in), found with an explicit stack: a chain such as
  // `SUM(a) + SUM(b) + ...` is as deep as it is long. Aggregates never nest.
  std::vector<const Expr*> stack;
  for (auto it = plan.items.rbegin(); it != plan.items.rend(); ++it) stack.push_back(it->expr.get());
  while (!stack.empty()) {
    const Expr* e = stack.back();
    stack.pop_back();
    if (e->kind == Expr::Kind::kAggregate) {
      aggregates_.push_back(e);
      continue;
    }
    for (auto it = e->args.rbegin(); it != e->args.rend(); ++it) stack.push_back(it->get());
  }
}

Value Evaluator::RowValue(const Row& row) {
  if (!row.fields) return row.json;
  auto obj = std::make_shared<Json>(Json::object());
  for (size_t k = 0; k < row.fields->size(); ++k) {
    std::string key = row.headers && k < row.headers->names().size() ? row.headers->names()[k] : "_" + std::to_string(k + 1);
    (*obj)[key] = (*row.fields)[k];
  }
  Value v;
  v.kind = Value::Kind::kJson;
  v.json = std::move(obj);
  return v;
}

Result<Value> Evaluator::Eval(const Expr& e, const Row& row) { return EvalImpl(e, &row); }

Result<Value> Evaluator::EvalFinal(const Expr& e) { return EvalImpl(e, nullptr); }

Result<bool> Evaluator::Matches(const Row& row) {
  if (!plan_.where) return true;
  S3ML_ASSIGN_OR_RETURN(Value v, Eval(*plan_.where, row));
  if (v.kind == Value::Kind::kBool) return v.b;
  if (v.absent()) return false;
  return EvalError("EvaluatorInvalidArguments", std::string("WHERE condition must be a boolean, not ") + KindName(v),
                   plan_.where->pos);
}

Status Evaluator::Accumulate(const Row& row) {
  for (const Expr* e : aggregates_) S3ML_RETURN_IF_ERROR(Fold(*e, row));
  return Status::Ok();
}

Status Evaluator::Fold(const Expr& e, const Row& row) {
  AggState& st = aggs_[static_cast<size_t>(e.agg_slot)];
  if (e.args.empty()) {  // COUNT(*)
    ++st.count;
    return Status::Ok();
  }
  S3ML_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0], row));
  if (v.absent()) return Status::Ok();
  ++st.count;
  if (e.op == "COUNT") return Status::Ok();
  if (e.op == "SUM" || e.op == "AVG") {
    auto n = AsNumber(v);
    if (!n)
      return EvalError("IncorrectSqlFunctionArgumentType",
                       e.op + " needs numbers, got " + KindName(v) + " '" + ToText(v) + "'", e.pos);
    if (st.sum.kind == Value::Kind::kMissing) {
      st.sum = *n;
    } else if (st.sum.kind == Value::Kind::kInt && n->kind == Value::Kind::kInt) {
      int64_t r;
      if (__builtin_add_overflow(st.sum.i, n->i, &r)) st.sum = Value::Float(static_cast<double>(st.sum.i) + static_cast<double>(n->i));
      else st.sum.i = r;
    } else {
      st.sum = Value::Float(st.sum.as_double() + n->as_double());
    }
    return Status::Ok();
  }
  // MIN / MAX: numeric text compares as a number.
  Value cand = v;
  if (auto n = AsNumber(v)) cand = *n;
  if (st.best.kind == Value::Kind::kMissing) {
    st.best = cand;
    return Status::Ok();
  }
  auto c = Compare(cand, st.best);
  if (!c)
    return EvalError("EvaluatorInvalidArguments",
                     e.op + " cannot compare " + KindName(cand) + " with " + KindName(st.best), e.pos);
  if ((e.op == "MIN" && *c < 0) || (e.op == "MAX" && *c > 0)) st.best = cand;
  return Status::Ok();
}

Value Evaluator::Finalize(const Expr& e) const {
  const AggState& st = aggs_[static_cast<size_t>(e.agg_slot)];
  if (e.op == "COUNT") return Value::Int(st.count);
  if (st.count == 0) return Value::Null();
  if (e.op == "SUM") return st.sum;
  if (e.op == "AVG") return Value::Float(st.sum.as_double() / static_cast<double>(st.count));
  return st.best;
}

Result<Value> Evaluator::Resolve(const Expr& e, const Row& row) {
  const auto& steps = e.path;
  size_t k = 0;
  if (!plan_.from_alias.empty() && !steps[0].quoted && EqualsIgnoreCase(steps[0].name, plan_.from_alias)) k = 1;
  if (k == steps.size()) return RowValue(row);
  if (row.fields) {
    const PathStep& st = steps[k];
    if (k + 1 != steps.size() || st.kind != PathStep::Kind::kField) return Value::Missing();
    int idx = -1;
    if (IsPositional(st)) {
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(st.name.data() + 1, st.name.data() + st.name.size(), n);
      (void)ptr;
      if (ec != std::errc() || n > INT32_MAX) return Value::Missing();
      idx = static_cast<int>(n) - 1;
    } else if (row.headers) {
      idx = row.headers->Find(st.name, st.quoted);
      if (idx == -2) return EvalError("AmbiguousFieldName", "Field name '" + st.name + "' matches several columns", e.pos);
    }
    if (idx < 0 || static_cast<size_t>(idx) >= row.fields->size()) return Value::Missing();
    return Value::String((*row.fields)[static_cast<size_t>(idx)]);
  }
  Value cur = row.json;
  for (; k < steps.size(); ++k) {
    if (cur.kind != Value::Kind::kJson) return Value::Missing();
    const Json& node = *cur.json;
    const PathStep& st = steps[k];
    const Json* next = nullptr;
    if (st.kind == PathStep::Kind::kField && node.is_object()) {
      auto it = node.find(st.name);
      if (it != node.end()) {
        next = &*it;
      } else if (!st.quoted) {
        for (auto jt = node.begin(); jt != node.end(); ++jt)
          if (EqualsIgnoreCase(jt.key(), st.name)) {
            next = &jt.value();
            break;
          }
      }
    } else if (st.kind == PathStep::Kind::kIndex && node.is_array()) {
      if (st.index >= 0 && static_cast<size_t>(st.index) < node.size()) next = &node[static_cast<size_t>(st.index)];
    }
    if (!next) return Value::Missing();
    cur = Value::FromJson(cur.json, *next);
  }
  return cur;
}

Result<Value> Evaluator::EvalImpl(const Expr& e, const Row* row) {
  switch (e.kind) {
    case Expr::Kind::kLiteral: return e.literal;
    case Expr::Kind::kPath:
      if (!row) return Value::Missing();
      return Resolve(e, *row);
    case Expr::Kind::kAggregate:
      if (row) return EvalError("InternalError", "aggregate evaluated per row", e.pos);
      return Finalize(e);
    case Expr::Kind::kNeg: {
      S3ML_ASSIGN_OR_RETURN(Value v, EvalImpl(*e.args[0], row));
      if (v.absent()) return v;
      auto n = AsNumber(v);
      if (!n) return EvalError("EvaluatorInvalidArguments", std::string("Cannot negate ") + KindName(v), e.pos);
      if (n->kind == Value::Kind::kInt) {
        if (n->i == INT64_MIN) return EvalError("IntegerOverflow", "Integer overflow in negation", e.pos);
        return Value::Int(-n->i);
      }
      return Value::Float(-n->f);
    }
    case Expr::Kind::kNot: {
      S3ML_ASSIGN_OR_RETURN(Value v, EvalImpl(*e.args[0], row));
      if (v.absent()) return Value::Null();
      if (v.kind != Value::Kind::kBool)
        return EvalError("EvaluatorInvalidArguments", std::string("NOT needs a boolean, not ") + KindName(v), e.pos);
      return Value::Bool(!v.b);
    }
    case Expr::Kind::kBinary: {
      // A left-associative chain (`1+1+...`, `a OR b OR ...`) is a left-deep tree as
      // deep as the statement is long: walk its left spine in a loop, so recursion
      // follows only the nesting the parser bounds. `spine_` is shared by nested
      // chains as a stack (indices, not iterators: it may grow while in use).
      const size_t base = spine_.size();
      const Expr* leaf = &e;
      while (leaf->kind == Expr::Kind::kBinary) {
        spine_.push_back(leaf);
        leaf = leaf->args[0].get();
      }
      Result<Value> acc = EvalImpl(*leaf, row);
      for (size_t k = spine_.size(); acc.ok() && k > base; --k) acc = BinaryStep(*spine_[k - 1], std::move(*acc), row);
      spine_.resize(base);
      return acc;
    }
    case Expr::Kind::kLike: {
      S3ML_ASSIGN_OR_RETURN(Value v, EvalImpl(*e.args[0], row));
      S3ML_ASSIGN_OR_RETURN(Value p, EvalImpl(*e.args[1], row));
      Value esc;
      if (e.args.size() > 2) {
        S3ML_ASSIGN_OR_RETURN(esc, EvalImpl(*e.args[2], row));
      }
      S3ML_ASSIGN_OR_RETURN(Value r, Like(e, v, p, e.args.size() > 2 ? &esc : nullptr));
      if (r.kind == Value::Kind::kBool && e.negated) r.b = !r.b;
      return r;
    }
    case Expr::Kind::kBetween: {
      S3ML_ASSIGN_OR_RETURN(Value v, EvalImpl(*e.args[0], row));
      S3ML_ASSIGN_OR_RETURN(Value lo, EvalImpl(*e.args[1], row));
      S3ML_ASSIGN_OR_RETURN(Value hi, EvalImpl(*e.args[2], row));
      auto c1 = Compare(v, lo), c2 = Compare(v, hi);
      if (!c1 || !c2) return Value::Null();
      bool in = *c1 >= 0 && *c2 <= 0;
      return Value::Bool(e.negated ? !in : in);
    }
    case Expr::Kind::kIn: {
      S3ML_ASSIGN_OR_RETURN(Value v, EvalImpl(*e.args[0], row));
      if (v.absent()) return Value::Null();
      bool unknown = false;
      for (size_t k = 1; k < e.args.size(); ++k) {
        S3ML_ASSIGN_OR_RETURN(Value item, EvalImpl(*e.args[k], row));
        auto c = Compare(v, item);
        if (!c) {
          unknown = unknown || item.absent();
          continue;
        }
        if (*c == 0) return Value::Bool(!e.negated);
      }
      if (unknown) return Value::Null();
      return Value::Bool(e.negated);
    }
    case Expr::Kind::kIsNull: {
      S3ML_ASSIGN_OR_RETURN(Value v, EvalImpl(*e.args[0], row));
      bool is = v.absent();  // MISSING IS NULL is true in PartiQL
      return Value::Bool(e.negated ? !is : is);
    }
    case Expr::Kind::kIsMissing: {
      S3ML_ASSIGN_OR_RETURN(Value v, EvalImpl(*e.args[0], row));
      bool is = v.kind == Value::Kind::kMissing;
      return Value::Bool(e.negated ? !is : is);
    }
    case Expr::Kind::kCast: {
      S3ML_ASSIGN_OR_RETURN(Value v, EvalImpl(*e.args[0], row));
      return Cast(e, v);
    }
    case Expr::Kind::kCall: {
      std::vector<Value> args;
      for (auto& a : e.args) {
        S3ML_ASSIGN_OR_RETURN(Value v, EvalImpl(*a, row));
        args.push_back(std::move(v));
      }
      return Call(e, args);
    }
  }
  return EvalError("InternalError", "unknown expression", e.pos);
}

Result<Value> Evaluator::BinaryStep(const Expr& e, Value a, const Row* row) {
  if (e.op == "AND" || e.op == "OR") {
    // Short-circuit where the left side decides.
    bool is_and = e.op == "AND";
    if (a.kind == Value::Kind::kBool && a.b != is_and) return Value::Bool(!is_and);
    S3ML_ASSIGN_OR_RETURN(Value b, EvalImpl(*e.args[1], row));
    for (const Value* v : {&a, &b})
      if (!v->absent() && v->kind != Value::Kind::kBool)
        return EvalError("EvaluatorInvalidArguments", e.op + " needs booleans, not " + KindName(*v), e.pos);
    if (b.kind == Value::Kind::kBool && b.b != is_and) return Value::Bool(!is_and);
    if (a.absent() || b.absent()) return Value::Null();
    return Value::Bool(is_and);
  }
  S3ML_ASSIGN_OR_RETURN(Value b, EvalImpl(*e.args[1], row));
  return Binary(e, a, b);
}

Result<Value> Evaluator::Binary(const Expr& e, const Value& a, const Value& b) {
  const std::string& op = e.op;
  if (op == "=" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
    if (a.absent() || b.absent()) return Value::Null();
    auto c = Compare(a, b);
    if (!c) {
      if (op == "=") return Value::Bool(false);
      if (op == "!=") return Value::Bool(true);
      return Value::Null();  // unordered types: the row is filtered out
    }
    bool r = op == "=" ? *c == 0 : op == "!=" ? *c != 0 : op == "<" ? *c < 0 : op == "<=" ? *c <= 0 : op == ">" ? *c > 0 : *c >= 0;
    return Value::Bool(r);
  }
  if (a.absent() || b.absent()) return Value::Null();
  if (op == "||") {
    if (a.kind == Value::Kind::kJson || b.kind == Value::Kind::kJson)
      return EvalError("EvaluatorInvalidArguments", "|| needs strings", e.pos);
    return Value::String(ToText(a) + ToText(b));
  }
  auto x = AsNumber(a), y = AsNumber(b);
  if (!x || !y) {
    const Value& bad = x ? b : a;
    return EvalError("EvaluatorInvalidArguments",
                     "Operator " + op + " needs numbers, got " + KindName(bad) + " '" + ToText(bad) + "'", e.pos);
  }
  if (x->kind == Value::Kind::kInt && y->kind == Value::Kind::kInt) {
    int64_t r = 0;
    bool overflow = false;
    if (op == "+") overflow = __builtin_add_overflow(x->i, y->i, &r);
    else if (op == "-") overflow = __builtin_sub_overflow(x->i, y->i, &r);
    else if (op == "*") overflow = __builtin_mul_overflow(x->i, y->i, &r);
    else {
      if (y->i == 0) return EvalError("DivisionByZero", "Division by zero", e.pos);
      if (x->i == INT64_MIN && y->i == -1) overflow = true;
      else r = op == "/" ? x->i / y->i : x->i % y->i;
    }
    if (overflow) return EvalError("IntegerOverflow", "Integer overflow in " + op, e.pos);
    return Value::Int(r);
  }
  double p = x->as_double(), q = y->as_double();
  if (op == "+") return Value::Float(p + q);
  if (op == "-") return Value::Float(p - q);
  if (op == "*") return Value::Float(p * q);
  if (q == 0) return EvalError("DivisionByZero", "Division by zero", e.pos);
  if (op == "/") return Value::Float(p / q);
  return Value::Float(std::fmod(p, q));
}

Result<Value> Evaluator::Like(const Expr& e, const Value& v, const Value& pat, const Value* esc) {
  if (v.absent() || pat.absent() || (esc && esc->absent())) return Value::Null();
  if (v.kind != Value::Kind::kString || pat.kind != Value::Kind::kString || (esc && esc->kind != Value::Kind::kString))
    return EvalError("LikeInvalidInputs", "LIKE needs string operands", e.pos);
  std::string escape;
  if (esc) {
    if (Utf8Length(esc->s) != 1) return EvalError("LikeInvalidInputs", "LIKE ESCAPE must be a single character", e.pos);
    escape = esc->s;
  }
  std::vector<std::pair<std::string, int>> p;
  auto cps = CodePoints(pat.s);
  for (size_t k = 0; k < cps.size(); ++k) {
    if (!escape.empty() && cps[k] == escape) {
      if (k + 1 == cps.size())
        return EvalError("LikeInvalidInputs", "LIKE pattern ends with the escape character", e.pos);
      p.emplace_back(cps[++k], 0);
    } else if (cps[k] == "%") {
      p.emplace_back("", 2);
    } else if (cps[k] == "_") {
      p.emplace_back("", 1);
    } else {
      p.emplace_back(cps[k], 0);
    }
  }
  return Value::Bool(LikeMatch(CodePoints(v.s), 0, p, 0));
}

Result<Value> Evaluator::Cast(const Expr& e, const Value& v) {
  if (v.absent()) return v;
  auto fail = [&](const char* type) {
    return EvalError("CastFailed", std::string("Cannot cast ") + KindName(v) + " '" + ToText(v) + "' to " + type, e.pos);
  };
  switch (e.cast_type) {
    case CastType::kInt: {
      if (v.kind == Value::Kind::kBool) return Value::Int(v.b ? 1 : 0);
      std::optional<Value> n = v.kind == Value::Kind::kString ? ParseNumber(v.s) : (v.numeric() ? std::optional<Value>(v) : std::nullopt);
      if (!n) return fail("INT");
      if (n->kind == Value::Kind::kInt) return *n;
      double t = std::trunc(n->f);
      if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0)) return EvalError("IntegerOverflow", "Value out of INT range", e.pos);
      return Value::Int(static_cast<int64_t>(t));
    }
    case CastType::kFloat:
    case CastType::kDecimal: {
      if (v.kind == Value::Kind::kBool) return Value::Float(v.b ? 1 : 0);
      if (v.kind == Value::Kind::kInt) return Value::Float(static_cast<double>(v.i));
      if (v.kind == Value::Kind::kFloat) return v;
      if (v.kind == Value::Kind::kString) {
        if (auto n = ParseNumber(v.s)) return Value::Float(n->as_double());
      }
      return fail(e.cast_type == CastType::kFloat ? "FLOAT" : "DECIMAL");
    }
    case CastType::kString: return Value::String(ToText(v));
    case CastType::kBool: {
      if (v.kind == Value::Kind::kBool) return v;
      if (v.numeric()) return Value::Bool(v.as_double() != 0);
      if (v.kind == Value::Kind::kString) {
        std::string f = FoldCase(v.s);
        if (f == "true") return Value::Bool(true);
        if (f == "false") return Value::Bool(false);
      }
      return fail("BOOL");
    }
    case CastType::kTimestamp: {
      if (v.kind == Value::Kind::kTimestamp) return v;
      if (v.kind == Value::Kind::kString) {
        if (auto t = ParseTimestamp(v.s)) return Value::Time(std::move(*t));
      }
      return fail("TIMESTAMP");
    }
  }
  return fail("?");
}

Result<Value> Evaluator::Call(const Expr& e, std::vector<Value>& args) {
  const std::string& fn = e.op;
  if (fn == "COALESCE") {
    for (auto& a : args)
      if (!a.absent()) return a;
    return Value::Null();
  }
  if (fn == "NULLIF") {
    if (args[0].absent()) return args[0];
    auto c = Compare(args[0], args[1]);
    if (c && *c == 0) return Value::Null();
    return args[0];
  }
  for (auto& a : args)
    if (a.absent()) return Value::Null();
  auto need_string = [&](const Value& v) -> Status {
    if (v.kind == Value::Kind::kString) return Status::Ok();
    return EvalError("IncorrectSqlFunctionArgumentType",
                     fn + " needs a string argument, got " + KindName(v), e.pos);
  };
  auto need_int = [&](const Value& v) -> Result<int64_t> {
    if (v.kind == Value::Kind::kInt) return v.i;
    if (v.kind == Value::Kind::kFloat) return static_cast<int64_t>(v.f);
    if (v.kind == Value::Kind::kString) {
      if (auto n = ParseNumber(v.s)) return n->kind == Value::Kind::kInt ? n->i : static_cast<int64_t>(n->f);
    }
    return EvalError("IncorrectSqlFunctionArgumentType", fn + " needs an integer argument, got " + KindName(v), e.pos);
  };
  S3ML_RETURN_IF_ERROR(need_string(args[0]));
  std::string s = args[0].s;
  if (fn == "LOWER" || fn == "UPPER") {
    for (auto& c : s)  // ASCII case mapping; other code points are unchanged
      if (static_cast<unsigned char>(c) < 0x80)
        c = static_cast<char>(fn == "LOWER" ? std::tolower(static_cast<unsigned char>(c)) : std::toupper(static_cast<unsigned char>(c)));
    return Value::String(std::move(s));
  }
  if (fn == "CHAR_LENGTH") return Value::Int(static_cast<int64_t>(Utf8Length(s)));
  if (fn == "TRIM") {
    std::vector<std::string> set = {" "};
    if (args.size() > 1) {
      S3ML_RETURN_IF_ERROR(need_string(args[1]));
      set = CodePoints(args[1].s);
    }
    auto cps = CodePoints(s);
    auto in_set = [&](const std::string& cp) { return std::find(set.begin(), set.end(), cp) != set.end(); };
    size_t b = 0, en = cps.size();
    if (e.trim_spec != "TRAILING")
      while (b < en && in_set(cps[b])) ++b;
    if (e.trim_spec != "LEADING")
      while (en > b && in_set(cps[en - 1])) --en;
    std::string out;
    for (size_t k = b; k < en; ++k) out += cps[k];
    return Value::String(std::move(out));
  }
  if (fn == "SUBSTRING") {
    // SQL semantics: 1-based start; positions before 1 consume length.
    S3ML_ASSIGN_OR_RETURN(int64_t start, need_int(args[1]));
    auto offs = Utf8Offsets(s);
    int64_t n = static_cast<int64_t>(offs.size()) - 1;
    int64_t end = n + 1;  // exclusive, 1-based
    if (args.size() > 2) {
      S3ML_ASSIGN_OR_RETURN(int64_t len, need_int(args[2]));
      if (len < 0) return EvalError("EvaluatorInvalidArguments", "SUBSTRING length must not be negative", e.pos);
      end = std::min<int64_t>(end, start + len);
    }
    int64_t from = std::max<int64_t>(start, 1);
    if (end <= from || from > n) return Value::String("");
    size_t bfrom = offs[static_cast<size_t>(from - 1)], bto = offs[static_cast<size_t>(end - 1)];
    return Value::String(s.substr(bfrom, bto - bfrom));
  }
  return EvalError("UnsupportedFunction", "Function " + fn + " is not supported", e.pos);
}

}  // namespace s3ml::select
