// Lexer and recursive-descent parser for the S3 Select SQL dialect.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "select/ast.h"

namespace s3ml::select {

Status SqlError(const char* code, const std::string& what, Pos pos) {
  return Status(ErrorCategory::kInvalidArgument,
                what + " at line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column))
      .WithCode(code)
      .WithHttpStatus(400);
}

Status DataError(const char* code, const std::string& what) {
  return Status(ErrorCategory::kService, what).WithCode(code).WithHttpStatus(400);
}

Expr::~Expr() {
  // A left-deep chain (`1+1+...+1`) is as deep as the statement is long: free the
  // subtree from an explicit stack, so no destructor recursion follows its depth.
  std::vector<std::unique_ptr<Expr>> pending = std::move(args);
  while (!pending.empty()) {
    std::unique_ptr<Expr> e = std::move(pending.back());
    pending.pop_back();
    for (auto& a : e->args) pending.push_back(std::move(a));
    e->args.clear();
  }  // each `e` dies here with no children left
}

namespace {

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Token {
  enum class Kind { kIdent, kQuotedIdent, kString, kInt, kFloat, kOp, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
  Pos pos;
};

// ---- lexer ---------------------------------------------------------------------------

Result<std::vector<Token>> Lex(std::string_view sql) {
  std::vector<Token> out;
  Pos pos;
  size_t i = 0;
  auto advance = [&](size_t n) {
    for (size_t k = 0; k < n && i < sql.size(); ++k, ++i) {
      if (sql[i] == '\n') {
        ++pos.line;
        pos.column = 1;
      } else if ((static_cast<unsigned char>(sql[i]) & 0xC0) != 0x80) {
        ++pos.column;
      }
    }
  };
  while (i < sql.size()) {
    unsigned char c = static_cast<unsigned char>(sql[i]);
    if (std::isspace(c)) {
      advance(1);
      continue;
    }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {  // -- comment to end of line
      while (i < sql.size() && sql[i] != '\n') advance(1);
      continue;
    }
    Token t;
    t.pos = pos;
    if (std::isalpha(c) || c == '_') {
      size_t j = i;
      while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) ++j;
      t.kind = Token::Kind::kIdent;
      t.text = std::string(sql.substr(i, j - i));
      advance(j - i);
    } else if (std::isdigit(c) || (c == '.' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
      size_t j = i;
      bool is_float = false;
      while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
      if (j < sql.size() && sql[j] == '.') {
        is_float = true;
        ++j;
        while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
      }
      if (j < sql.size() && (sql[j] == 'e' || sql[j] == 'E')) {
        size_t k = j + 1;
        if (k < sql.size() && (sql[k] == '+' || sql[k] == '-')) ++k;
        if (k < sql.size() && std::isdigit(static_cast<unsigned char>(sql[k]))) {
          is_float = true;
          j = k;
          while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
        }
      }
      t.kind = is_float ? Token::Kind::kFloat : Token::Kind::kInt;
      t.text = std::string(sql.substr(i, j - i));
      advance(j - i);
    } else if (c == '\'' || c == '"') {
      // '...' string literal, "..." quoted identifier; a doubled quote escapes itself.
      size_t j = i + 1;
      std::string text;
      bool closed = false;
      while (j < sql.size()) {
        if (sql[j] == static_cast<char>(c)) {
          if (j + 1 < sql.size() && sql[j + 1] == static_cast<char>(c)) {
            text += static_cast<char>(c);
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        text += sql[j++];
      }
      if (!closed)
        return SqlError("LexerInvalidLiteral",
                        c == '\'' ? "Unterminated string literal" : "Unterminated quoted identifier", pos);
      t.kind = c == '\'' ? Token::Kind::kString : Token::Kind::kQuotedIdent;
      t.text = std::move(text);
      advance(j - i);
    } else {
      static const char* kTwo[] = {"<>", "!=", "<=", ">=", "||"};
      std::string two(sql.substr(i, 2));
      t.kind = Token::Kind::kOp;
      if (two == "==" || two == "&&") return SqlError("ParseUnknownOperator", "Unknown operator '" + two + "'", pos);
      if (std::find(std::begin(kTwo), std::end(kTwo), two) != std::end(kTwo)) {
        t.text = two;
      } else if (std::string("=<>+-*/%(),.[];").find(static_cast<char>(c)) != std::string::npos) {
        t.text = std::string(1, static_cast<char>(c));
      } else if (std::string("!^&~|").find(static_cast<char>(c)) != std::string::npos) {
        return SqlError("ParseUnknownOperator", std::string("Unknown operator '") + static_cast<char>(c) + "'", pos);
      } else {
        return SqlError("LexerInvalidChar", std::string("Invalid character '") + static_cast<char>(c) + "'", pos);
      }
      advance(t.text.size());
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.pos = pos;
  out.push_back(end);
  return out;
}

// ---- parser --------------------------------------------------------------------------

const char* const kReserved[] = {"SELECT", "FROM", "WHERE", "LIMIT", "AS", "AND", "OR", "NOT", "LIKE",
                                 "BETWEEN", "IN", "IS", "NULL", "MISSING", "ESCAPE", "GROUP", "ORDER",
                                 "HAVING", "JOIN", "UNION", "TRUE", "FALSE", "CAST", "CASE", "BY"};

bool IsReserved(const std::string& upper) {
  return std::find_if(std::begin(kReserved), std::end(kReserved),
                      [&](const char* k) { return upper == k; }) != std::end(kReserved);
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  Result<std::shared_ptr<const QueryPlan>> Run(std::string_view sql) {
    auto plan = std::make_shared<QueryPlan>();
    plan->sql = std::string(sql);
    plan_ = plan.get();
    S3ML_RETURN_IF_ERROR(ExpectKeyword("SELECT"));
    S3ML_RETURN_IF_ERROR(SelectList());
    if (!IsKeyword("FROM")) {
      if (Peek().kind == Token::Kind::kEnd) return SqlError("ParseSelectMissingFrom", "SELECT without FROM", Peek().pos);
      return Unexpected();
    }
    Next();
    S3ML_RETURN_IF_ERROR(From());
    if (IsKeyword("WHERE")) {
      Next();
      in_where_ = true;
      S3ML_ASSIGN_OR_RETURN(plan->where, Expression());
      in_where_ = false;
    }
    if (IsKeyword("LIMIT")) {
      Next();
      if (IsOp("-")) return SqlError("EvaluatorNegativeLimit", "LIMIT must not be negative", Peek().pos);
      if (Peek().kind != Token::Kind::kInt) return SqlError("ParseExpectedNumber", "LIMIT expects an integer", Peek().pos);
      int64_t n = 0;
      const std::string& s = Peek().text;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec != std::errc() || p != s.data() + s.size()) return SqlError("IntegerOverflow", "LIMIT is too large", Peek().pos);
      plan->limit = n;
      Next();
    }
    if (IsOp(";")) Next();
    if (Peek().kind != Token::Kind::kEnd) {
      for (const char* kw : {"GROUP", "ORDER", "HAVING", "JOIN", "UNION"})
        if (IsKeyword(kw)) return SqlError("UnsupportedSyntax", std::string(kw) + " is not supported by S3 Select", Peek().pos);
      return Unexpected();
    }
    if (plan->aggregate_count > 0) {
      for (auto& item : plan->items) {
        Pos where;
        if (HasBareReference(*item.expr, &where))
          return SqlError("UnsupportedSqlOperation",
                          "Aggregate and non-aggregate expressions cannot be mixed in the SELECT list", where);
      }
    }
    return std::shared_ptr<const QueryPlan>(std::move(plan));
  }

 private:
  const Token& Peek(size_t ahead = 0) const { return toks_[std::min(pos_ + ahead, toks_.size() - 1)]; }
  void Next() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool IsKeyword(const char* kw, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == Token::Kind::kIdent && Upper(t.text) == kw;
  }
  bool IsOp(const char* op) const { return Peek().kind == Token::Kind::kOp && Peek().text == op; }

  Status Unexpected() const {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kEnd) return SqlError("ParseUnexpectedToken", "Unexpected end of statement", t.pos);
    return SqlError("ParseUnexpectedToken", "Unexpected token '" + t.text + "'", t.pos);
  }
  Status ExpectKeyword(const char* kw) {
    if (!IsKeyword(kw)) return SqlError("ParseExpectedKeyword", std::string("Expected ") + kw, Peek().pos);
    Next();
    return Status::Ok();
  }
  Status ExpectOp(const char* op, const char* code = "ParseExpectedTokenType") {
    if (!IsOp(op)) return SqlError(code, std::string("Expected '") + op + "'", Peek().pos);
    Next();
    return Status::Ok();
  }

  // Counts one level of nesting for the lifetime of the guard; `ok` is false past
  // the limit. Nesting is what the recursive descent (and the evaluator) recurse
  // on, so bounding it bounds their stack use.
  class DepthGuard {
   public:
    explicit DepthGuard(int* depth) : depth_(depth), saved_(*depth) {}
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    ~DepthGuard() { *depth_ = saved_; }
    bool Enter() { return ++*depth_ <= Query::kMaxNestingDepth; }

   private:
    int* depth_;
    int saved_;
  };
  Status TooDeep(Pos pos) const {
    return SqlError("ParseExpressionTooDeep",
                    "Expression nesting is deeper than " + std::to_string(Query::kMaxNestingDepth) + " levels", pos);
  }

  // True when `e` references the record outside any aggregate (depth-first, left to
  // right, with an explicit stack: chains are as deep as they are long).
  static bool HasBareReference(const Expr& root, Pos* where) {
    std::vector<std::pair<const Expr*, bool>> stack{{&root, false}};
    while (!stack.empty()) {
      auto [e, in_agg] = stack.back();
      stack.pop_back();
      if (e->kind == Expr::Kind::kPath && !in_agg) {
        *where = e->pos;
        return true;
      }
      const bool agg = in_agg || e->kind == Expr::Kind::kAggregate;
      for (auto it = e->args.rbegin(); it != e->args.rend(); ++it) stack.emplace_back(it->get(), agg);
    }
    return false;
  }

  Status SelectList() {
    if (IsOp("*")) {
      Pos p = Peek().pos;
      Next();
      plan_->select_star = true;
      if (IsOp(",")) return SqlError("ParseAsteriskIsNotAloneInSelectList", "'*' must be alone in the SELECT list", p);
      return Status::Ok();
    }
    if (IsKeyword("FROM")) return SqlError("ParseEmptySelect", "Empty SELECT list", Peek().pos);
    if (IsKeyword("DISTINCT")) return SqlError("UnsupportedSyntax", "DISTINCT is not supported by S3 Select", Peek().pos);
    while (true) {
      // alias.* is the same as *
      if (Peek().kind == Token::Kind::kIdent && Peek(1).kind == Token::Kind::kOp && Peek(1).text == "." &&
          Peek(2).kind == Token::Kind::kOp && Peek(2).text == "*") {
        Pos p = Peek().pos;
        Next(), Next(), Next();
        if (!plan_->items.empty() || IsOp(","))
          return SqlError("ParseAsteriskIsNotAloneInSelectList", "'*' must be alone in the SELECT list", p);
        plan_->select_star = true;
        return Status::Ok();
      }
      if (IsOp("*")) return SqlError("ParseAsteriskIsNotAloneInSelectList", "'*' must be alone in the SELECT list", Peek().pos);
      SelectItem item;
      S3ML_ASSIGN_OR_RETURN(item.expr, Expression());
      if (IsKeyword("AS")) {
        Next();
        if ((Peek().kind != Token::Kind::kIdent && Peek().kind != Token::Kind::kQuotedIdent) ||
            (Peek().kind == Token::Kind::kIdent && IsReserved(Upper(Peek().text))))
          return SqlError("ParseExpectedIdentForAlias", "Expected an alias after AS", Peek().pos);
        item.alias = Peek().text;
        Next();
      } else if ((Peek().kind == Token::Kind::kIdent && !IsReserved(Upper(Peek().text))) ||
                 Peek().kind == Token::Kind::kQuotedIdent) {
        item.alias = Peek().text;
        Next();
      } else if (item.expr->kind == Expr::Kind::kPath && !item.expr->path.empty() &&
                 item.expr->path.back().kind == PathStep::Kind::kField) {
        item.alias = item.expr->path.back().name;
        item.derived = true;
      }
      plan_->items.push_back(std::move(item));
      if (!IsOp(",")) break;
      Next();
    }
    return Status::Ok();
  }

  Status From() {
    if (Peek().kind != Token::Kind::kIdent || Upper(Peek().text) != "S3OBJECT") {
      if (Peek().kind == Token::Kind::kEnd || Peek().kind == Token::Kind::kOp)
        return SqlError("ParseExpectedIdentForFrom", "Expected S3Object after FROM", Peek().pos);
      return SqlError("InvalidDataSource", "Only S3Object is a valid data source, not '" + Peek().text + "'", Peek().pos);
    }
    Next();
    S3ML_RETURN_IF_ERROR(PathSteps(&plan_->from_path, /*allow_wildcard=*/true));
    if (IsKeyword("AS")) {
      Next();
      if (Peek().kind != Token::Kind::kIdent) return SqlError("ParseExpectedIdentForAlias", "Expected an alias after AS", Peek().pos);
    }
    if (Peek().kind == Token::Kind::kIdent && !IsReserved(Upper(Peek().text))) {
      plan_->from_alias = Lower(Peek().text);
      Next();
    }
    if (IsOp(",") || IsKeyword("JOIN")) return SqlError("UnsupportedSyntax", "Joins are not supported by S3 Select", Peek().pos);
    // A bare table alias (SELECT s FROM S3Object s) names no field: output it as _N.
    for (auto& item : plan_->items)
      if (item.derived && item.expr->path.size() == 1 && !item.expr->path[0].quoted &&
          Lower(item.expr->path[0].name) == plan_->from_alias)
        item.alias.clear();
    return Status::Ok();
  }

  Status PathSteps(std::vector<PathStep>* steps, bool allow_wildcard) {
    while (true) {
      if (IsOp(".")) {
        Next();
        PathStep st;
        if (Peek().kind == Token::Kind::kIdent || Peek().kind == Token::Kind::kQuotedIdent) {
          st.name = Peek().text;
          st.quoted = Peek().kind == Token::Kind::kQuotedIdent;
        } else if (IsOp("*")) {
          return SqlError("ParseInvalidContextForWildcardInSelectList", "'.*' is not allowed here", Peek().pos);
        } else {
          return SqlError("ParseInvalidPathComponent", "Expected a name after '.'", Peek().pos);
        }
        Next();
        steps->push_back(std::move(st));
      } else if (IsOp("[")) {
        Next();
        PathStep st;
        if (IsOp("*")) {
          if (!allow_wildcard)
            return SqlError("ParseCannotMixSqbAndWildcardInSelectList", "[*] is only allowed in the FROM clause", Peek().pos);
          st.kind = PathStep::Kind::kWildcard;
        } else if (Peek().kind == Token::Kind::kInt) {
          st.kind = PathStep::Kind::kIndex;
          const std::string& s = Peek().text;
          auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), st.index);
          if (ec != std::errc()) return SqlError("IntegerOverflow", "Index is too large", Peek().pos);
        } else if (Peek().kind == Token::Kind::kString) {
          st.name = Peek().text;
          st.quoted = true;
        } else {
          return SqlError("ParseInvalidPathComponent", "Expected a number, a string or * inside []", Peek().pos);
        }
        Next();
        S3ML_RETURN_IF_ERROR(ExpectOp("]"));
        steps->push_back(std::move(st));
      } else {
        return Status::Ok();
      }
    }
  }

  using ExprPtr = std::unique_ptr<Expr>;
  static ExprPtr Make(Expr::Kind k, Pos p) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->pos = p;
    return e;
  }
  static ExprPtr Binary(const std::string& op, ExprPtr l, ExprPtr r, Pos p) {
    auto e = Make(Expr::Kind::kBinary, p);
    e->op = op;
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return e;
  }

  // Every parenthesised group, function argument and IN list item enters here.
  Result<ExprPtr> Expression() {
    DepthGuard guard(&depth_);
    if (!guard.Enter()) return TooDeep(Peek().pos);
    return Or();
  }

  Result<ExprPtr> Or() {
    S3ML_ASSIGN_OR_RETURN(auto left, And());
    while (IsKeyword("OR")) {
      Pos p = Peek().pos;
      Next();
      S3ML_ASSIGN_OR_RETURN(auto right, And());
      left = Binary("OR", std::move(left), std::move(right), p);
    }
    return left;
  }
  Result<ExprPtr> And() {
    S3ML_ASSIGN_OR_RETURN(auto left, Not());
    while (IsKeyword("AND")) {
      Pos p = Peek().pos;
      Next();
      S3ML_ASSIGN_OR_RETURN(auto right, Not());
      left = Binary("AND", std::move(left), std::move(right), p);
    }
    return left;
  }
  Result<ExprPtr> Not() {
    if (IsKeyword("NOT")) {
      Pos p = Peek().pos;
      DepthGuard guard(&depth_);
      if (!guard.Enter()) return TooDeep(p);
      Next();
      S3ML_ASSIGN_OR_RETURN(auto inner, Not());
      auto e = Make(Expr::Kind::kNot, p);
      e->args.push_back(std::move(inner));
      return e;
    }
    return Predicate();
  }
  __attribute__((noinline)) Result<ExprPtr> Predicate() {
    S3ML_ASSIGN_OR_RETURN(auto left, Additive());
    // `x IS NULL IS NULL ...` nests without recursing here: each postfix predicate
    // wraps the one before, so each counts as a level (comparisons are binary
    // chains, which the evaluator walks in a loop).
    DepthGuard guard(&depth_);
    while (true) {
      Pos p = Peek().pos;
      if (Peek().kind == Token::Kind::kOp &&
          (IsOp("=") || IsOp("!=") || IsOp("<>") || IsOp("<") || IsOp("<=") || IsOp(">") || IsOp(">="))) {
        std::string op = Peek().text == "<>" ? "!=" : Peek().text;
        Next();
        S3ML_ASSIGN_OR_RETURN(auto right, Additive());
        left = Binary(op, std::move(left), std::move(right), p);
        continue;
      }
      bool negated = false;
      if (IsKeyword("NOT") && (IsKeyword("LIKE", 1) || IsKeyword("BETWEEN", 1) || IsKeyword("IN", 1))) {
        negated = true;
        Next();
      }
      if (IsKeyword("LIKE")) {
        if (!guard.Enter()) return TooDeep(p);
        Next();
        auto e = Make(Expr::Kind::kLike, p);
        e->negated = negated;
        e->args.push_back(std::move(left));
        S3ML_ASSIGN_OR_RETURN(auto pat, Additive());
        e->args.push_back(std::move(pat));
        if (IsKeyword("ESCAPE")) {
          Next();
          S3ML_ASSIGN_OR_RETURN(auto esc, Additive());
          e->args.push_back(std::move(esc));
        }
        left = std::move(e);
      } else if (IsKeyword("BETWEEN")) {
        if (!guard.Enter()) return TooDeep(p);
        Next();
        auto e = Make(Expr::Kind::kBetween, p);
        e->negated = negated;
        e->args.push_back(std::move(left));
        S3ML_ASSIGN_OR_RETURN(auto lo, Additive());
        S3ML_RETURN_IF_ERROR(ExpectKeyword("AND"));
        S3ML_ASSIGN_OR_RETURN(auto hi, Additive());
        e->args.push_back(std::move(lo));
        e->args.push_back(std::move(hi));
        left = std::move(e);
      } else if (IsKeyword("IN")) {
        if (!guard.Enter()) return TooDeep(p);
        Next();
        auto e = Make(Expr::Kind::kIn, p);
        e->negated = negated;
        e->args.push_back(std::move(left));
        S3ML_RETURN_IF_ERROR(ExpectOp("(", "ParseExpectedLeftParenValueConstructor"));
        while (true) {
          S3ML_ASSIGN_OR_RETURN(auto item, Expression());
          e->args.push_back(std::move(item));
          if (IsOp(",")) {
            Next();
            continue;
          }
          break;
        }
        S3ML_RETURN_IF_ERROR(ExpectOp(")"));
        left = std::move(e);
      } else if (IsKeyword("IS")) {
        if (!guard.Enter()) return TooDeep(p);
        Next();
        bool neg = false;
        if (IsKeyword("NOT")) {
          neg = true;
          Next();
        }
        Expr::Kind k;
        if (IsKeyword("NULL")) k = Expr::Kind::kIsNull;
        else if (IsKeyword("MISSING")) k = Expr::Kind::kIsMissing;
        else return SqlError("ParseExpectedKeyword", "Expected NULL or MISSING after IS", Peek().pos);
        Next();
        auto e = Make(k, p);
        e->negated = neg;
        e->args.push_back(std::move(left));
        left = std::move(e);
      } else {
        if (negated) return Unexpected();
        return left;
      }
    }
  }
  Result<ExprPtr> Additive() {
    S3ML_ASSIGN_OR_RETURN(auto left, Multiplicative());
    while (IsOp("+") || IsOp("-") || IsOp("||")) {
      Pos p = Peek().pos;
      std::string op = Peek().text;
      Next();
      S3ML_ASSIGN_OR_RETURN(auto right, Multiplicative());
      left = Binary(op, std::move(left), std::move(right), p);
    }
    return left;
  }
  Result<ExprPtr> Multiplicative() {
    S3ML_ASSIGN_OR_RETURN(auto left, Unary());
    while (IsOp("*") || IsOp("/") || IsOp("%")) {
      Pos p = Peek().pos;
      std::string op = Peek().text;
      Next();
      S3ML_ASSIGN_OR_RETURN(auto right, Unary());
      left = Binary(op, std::move(left), std::move(right), p);
    }
    return left;
  }
  Result<ExprPtr> Unary() {
    if (IsOp("-") || IsOp("+")) {
      Pos p = Peek().pos;
      DepthGuard guard(&depth_);
      if (!guard.Enter()) return TooDeep(p);
      bool neg = IsOp("-");
      Next();
      S3ML_ASSIGN_OR_RETURN(auto inner, Unary());
      if (!neg) return inner;
      if (inner->kind == Expr::Kind::kLiteral && inner->literal.kind == Value::Kind::kInt && inner->literal.i != INT64_MIN) {
        inner->literal.i = -inner->literal.i;
        return inner;
      }
      auto e = Make(Expr::Kind::kNeg, p);
      e->args.push_back(std::move(inner));
      return e;
    }
    return Primary();
  }

  // Primary and Call are on the path of every nesting level, so they keep small
  // frames: leaves (literals, paths, errors) are parsed out of line in Leaf.
  Result<ExprPtr> Primary() {
    if (IsOp("(")) {
      Next();
      S3ML_ASSIGN_OR_RETURN(auto inner, Expression());
      S3ML_RETURN_IF_ERROR(ExpectOp(")"));
      return inner;
    }
    if (Peek().kind == Token::Kind::kIdent && Peek(1).kind == Token::Kind::kOp && Peek(1).text == "(") {
      std::string up = Upper(Peek().text);
      const bool leaf = up == "TRUE" || up == "FALSE" || up == "NULL" || up == "MISSING" || up == "CASE" ||
                        up == "SELECT" || up == "EXISTS" || (IsReserved(up) && up != "CAST");
      if (!leaf) return Call(std::move(up), Peek().pos);
    }
    return Leaf();
  }

  __attribute__((noinline)) Result<ExprPtr> Leaf() {
    const Token& t = Peek();  // tokens never move once lexed
    switch (t.kind) {
      case Token::Kind::kString: {
        Next();
        auto e = Make(Expr::Kind::kLiteral, t.pos);
        e->literal = Value::String(t.text);
        return e;
      }
      case Token::Kind::kInt: {
        Next();
        auto e = Make(Expr::Kind::kLiteral, t.pos);
        int64_t v = 0;
        auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
        if (ec != std::errc() || p != t.text.data() + t.text.size()) {
          // Beyond INT64: read it as a float, as S3 reads an over-long literal as a decimal.
          auto f = ParseNumber(t.text);
          if (!f) return SqlError("LexerInvalidLiteral", "Number literal " + t.text + " is out of range", t.pos);
          e->literal = Value::Float(f->as_double());
        } else {
          e->literal = Value::Int(v);
        }
        return e;
      }
      case Token::Kind::kFloat: {
        Next();
        auto e = Make(Expr::Kind::kLiteral, t.pos);
        auto f = ParseNumber(t.text);
        if (!f) return SqlError("LexerInvalidLiteral", "Number literal " + t.text + " is out of range", t.pos);
        e->literal = Value::Float(f->as_double());
        return e;
      }
      case Token::Kind::kQuotedIdent: return PathExpr();
      case Token::Kind::kOp:
        if (t.text == ")" || t.text == "," || t.kind == Token::Kind::kEnd)
          return SqlError("ParseExpectedExpression", "Expected an expression", t.pos);
        return SqlError("ParseUnexpectedOperator", "Unexpected operator '" + t.text + "'", t.pos);
      case Token::Kind::kEnd: return SqlError("ParseExpectedExpression", "Expected an expression", t.pos);
      case Token::Kind::kIdent: break;
    }
    std::string up = Upper(t.text);
    if (up == "TRUE" || up == "FALSE" || up == "NULL" || up == "MISSING") {
      Next();
      auto e = Make(Expr::Kind::kLiteral, t.pos);
      e->literal = up == "TRUE" ? Value::Bool(true) : up == "FALSE" ? Value::Bool(false)
                 : up == "NULL" ? Value::Null() : Value::Missing();
      return e;
    }
    if (up == "CASE" || up == "SELECT" || up == "EXISTS")
      return SqlError("UnsupportedSyntax", up + " expressions are not supported", t.pos);
    if (IsReserved(up) && up != "CAST")
      return SqlError("ParseUnexpectedKeyword", "Unexpected keyword " + up, t.pos);
    return PathExpr();
  }

  Result<ExprPtr> PathExpr() {
    auto e = Make(Expr::Kind::kPath, Peek().pos);
    PathStep first;
    first.name = Peek().text;
    first.quoted = Peek().kind == Token::Kind::kQuotedIdent;
    const bool quoted = first.quoted;
    Next();
    e->path.push_back(std::move(first));
    S3ML_RETURN_IF_ERROR(PathSteps(&e->path, /*allow_wildcard=*/false));
    if (!quoted) {
      const std::string& n = e->path.front().name;
      if (n.size() > 1 && n[0] == '_' && n.find_first_not_of("0123456789", 1) == std::string::npos) {
        if (n.find_first_not_of('0', 1) == std::string::npos)
          return SqlError("InvalidColumnIndex", "Column index " + n + " is invalid; columns start at _1", e->pos);
      }
    }
    return e;
  }

  Result<ExprPtr> Call(std::string fn, Pos pos) {
    Next();  // name
    Next();  // (
    if (fn == "CAST") {
      auto e = Make(Expr::Kind::kCast, pos);
      S3ML_ASSIGN_OR_RETURN(auto inner, Expression());
      e->args.push_back(std::move(inner));
      if (!IsKeyword("AS")) return SqlError("ParseExpectedKeyword", "Expected AS in CAST", Peek().pos);
      Next();
      if (Peek().kind != Token::Kind::kIdent) return SqlError("ParseExpectedTypeName", "Expected a type name", Peek().pos);
      std::string ty = Upper(Peek().text);
      if (ty == "INT" || ty == "INTEGER") e->cast_type = CastType::kInt;
      else if (ty == "FLOAT" || ty == "REAL" || ty == "DOUBLE") e->cast_type = CastType::kFloat;
      else if (ty == "DECIMAL" || ty == "NUMERIC") e->cast_type = CastType::kDecimal;
      else if (ty == "STRING" || ty == "VARCHAR" || ty == "CHAR") e->cast_type = CastType::kString;
      else if (ty == "BOOL" || ty == "BOOLEAN") e->cast_type = CastType::kBool;
      else if (ty == "TIMESTAMP") e->cast_type = CastType::kTimestamp;
      else return SqlError("ParseInvalidTypeParam", "Unknown type " + Peek().text + " in CAST", Peek().pos);
      Next();
      S3ML_RETURN_IF_ERROR(ExpectOp(")", "ParseExpectedRightParenBuiltinFunctionCall"));
      return e;
    }
    bool aggregate = fn == "COUNT" || fn == "SUM" || fn == "AVG" || fn == "MIN" || fn == "MAX";
    if (aggregate) {
      if (in_where_) return SqlError("UnsupportedSyntax", "Aggregate functions are not allowed in WHERE", pos);
      if (in_aggregate_) return SqlError("UnsupportedSyntax", "Aggregate functions cannot be nested", pos);
      auto e = Make(Expr::Kind::kAggregate, pos);
      e->op = fn;
      e->agg_slot = plan_->aggregate_count++;
      if (IsOp("*")) {
        if (fn != "COUNT") return SqlError("ParseUnsupportedCallWithStar", fn + "(*) is not supported", Peek().pos);
        Next();
      } else {
        in_aggregate_ = true;
        auto arg = Expression();
        in_aggregate_ = false;
        if (!arg.ok()) return arg.status();
        e->args.push_back(std::move(*arg));
      }
      S3ML_RETURN_IF_ERROR(ExpectOp(")", "ParseExpectedRightParenBuiltinFunctionCall"));
      return e;
    }
    auto e = Make(Expr::Kind::kCall, pos);
    e->op = fn;
    if (fn == "TRIM") {
      // TRIM([[LEADING|TRAILING|BOTH] [chars] FROM] s)
      std::string spec;
      if (IsKeyword("LEADING") || IsKeyword("TRAILING") || IsKeyword("BOTH")) {
        spec = Upper(Peek().text);
        Next();
      }
      ExprPtr chars;
      if (!IsKeyword("FROM")) {
        S3ML_ASSIGN_OR_RETURN(auto first, Expression());
        if (!IsKeyword("FROM")) {
          if (!spec.empty()) return SqlError("ParseExpectedKeyword", "Expected FROM in TRIM", Peek().pos);
          e->trim_spec = "BOTH";
          e->args.push_back(std::move(first));
          S3ML_RETURN_IF_ERROR(ExpectOp(")", "ParseExpectedRightParenBuiltinFunctionCall"));
          return e;
        }
        chars = std::move(first);
      }
      Next();  // FROM
      S3ML_ASSIGN_OR_RETURN(auto target, Expression());
      e->trim_spec = spec.empty() ? "BOTH" : spec;
      e->args.push_back(std::move(target));
      if (chars) e->args.push_back(std::move(chars));
      S3ML_RETURN_IF_ERROR(ExpectOp(")", "ParseExpectedRightParenBuiltinFunctionCall"));
      return e;
    }
    if (fn == "SUBSTRING") {
      S3ML_ASSIGN_OR_RETURN(auto s, Expression());
      e->args.push_back(std::move(s));
      bool keyword_form = IsKeyword("FROM");
      if (!keyword_form && !IsOp(",")) return SqlError("ParseExpectedArgumentDelimiter", "Expected FROM or ',' in SUBSTRING", Peek().pos);
      Next();
      S3ML_ASSIGN_OR_RETURN(auto start, Expression());
      e->args.push_back(std::move(start));
      if (keyword_form ? IsKeyword("FOR") : IsOp(",")) {
        Next();
        S3ML_ASSIGN_OR_RETURN(auto len, Expression());
        e->args.push_back(std::move(len));
      }
      S3ML_RETURN_IF_ERROR(ExpectOp(")", "ParseExpectedRightParenBuiltinFunctionCall"));
      return e;
    }
    size_t min_args = 1, max_args = 1;
    if (fn == "LOWER" || fn == "UPPER" || fn == "CHAR_LENGTH" || fn == "CHARACTER_LENGTH") {
    } else if (fn == "COALESCE") {
      max_args = SIZE_MAX;
    } else if (fn == "NULLIF") {
      min_args = max_args = 2;
    } else {
      return SqlError("UnsupportedFunction", "Function " + fn + " is not supported", pos);
    }
    if (fn == "CHARACTER_LENGTH") e->op = "CHAR_LENGTH";
    if (!IsOp(")")) {
      while (true) {
        S3ML_ASSIGN_OR_RETURN(auto a, Expression());
        e->args.push_back(std::move(a));
        if (IsOp(",")) {
          Next();
          continue;
        }
        break;
      }
    }
    S3ML_RETURN_IF_ERROR(ExpectOp(")", "ParseExpectedRightParenBuiltinFunctionCall"));
    if (e->args.size() < min_args || e->args.size() > max_args)
      return SqlError("EvaluatorInvalidArguments",
                      fn + " takes " + (min_args == max_args ? std::to_string(min_args) : "at least " + std::to_string(min_args)) +
                          " argument(s), got " + std::to_string(e->args.size()),
                      pos);
    return e;
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  QueryPlan* plan_ = nullptr;
  bool in_where_ = false;
  bool in_aggregate_ = false;
  int depth_ = 0;  // current nesting (see DepthGuard)
};

}  // namespace

Result<std::shared_ptr<const QueryPlan>> ParseSql(std::string_view sql) {
  if (sql.size() > Query::kMaxExpressionBytes)
    return Status(ErrorCategory::kInvalidArgument,
                  "The SQL expression is too long: the maximum byte-length for the SQL expression is 256 KB (" +
                      std::to_string(Query::kMaxExpressionBytes) + " bytes), got " + std::to_string(sql.size()))
        .WithCode("ExpressionTooLong")
        .WithHttpStatus(400);
  S3ML_ASSIGN_OR_RETURN(auto toks, Lex(sql));
  Parser p(std::move(toks));
  return p.Run(sql);
}

}  // namespace s3ml::select
