// labels.Parse: a lexer and recursive-descent parser that follow upstream's token rules and
// error texts exactly, since kubectl shows the API server's message to the user as is.
//
// Quirks kept on purpose: "in"/"notin" are identifiers where a value or key is expected;
// a NUL byte where a token starts ends the input (upstream's lexer uses 0 as its end
// marker); "==" and "=" mean the same; value sets are sorted and de-duplicated.
#include <algorithm>
#include <set>

#include "kube/selector/internal.h"
#include "kube/selector/label_syntax.h"

namespace v6k::kube {
namespace {

using namespace selector_internal;
using Op = LabelRequirement::Op;

enum class Tok {
  kError, kEnd, kClosePar, kComma, kNot, kDoubleEq, kEq, kGt, kIdent, kIn, kLt, kNotEq,
  kNotIn, kOpenPar
};

struct Item {
  Tok tok;
  std::string lit;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_special(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

// string2token: the operator and keyword spellings.
std::optional<Tok> keyword(std::string_view s) {
  static const std::pair<std::string_view, Tok> kTable[] = {
      {")", Tok::kClosePar}, {",", Tok::kComma}, {"!", Tok::kNot},    {"==", Tok::kDoubleEq},
      {"=", Tok::kEq},       {">", Tok::kGt},    {"in", Tok::kIn},    {"<", Tok::kLt},
      {"!=", Tok::kNotEq},   {"notin", Tok::kNotIn}, {"(", Tok::kOpenPar}};
  for (auto& [text, tok] : kTable)
    if (text == s) return tok;
  return std::nullopt;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Item lex() {
    char ch = read();
    while (is_space(ch)) ch = read();
    if (ch == 0) return {Tok::kEnd, ""};
    unread();
    return is_special(ch) ? special() : ident_or_keyword();
  }

 private:
  char read() { return pos_ < s_.size() ? s_[pos_++] : 0; }
  void unread() { --pos_; }

  Item ident_or_keyword() {
    std::string buf;
    while (true) {
      char ch = read();
      if (ch == 0) break;
      if (is_special(ch) || is_space(ch)) {
        unread();
        break;
      }
      buf += ch;
    }
    if (auto k = keyword(buf)) return {*k, buf};
    return {Tok::kIdent, buf};
  }

  // The longest run of special characters that spells an operator.
  Item special() {
    std::optional<Item> last;
    std::string buf;
    while (true) {
      char ch = read();
      if (ch == 0) break;
      if (!is_special(ch)) {
        unread();
        break;
      }
      buf += ch;
      if (auto k = keyword(buf)) {
        last = Item{*k, buf};
      } else if (last) {
        unread();
        break;
      }
    }
    if (!last) return {Tok::kError, "error expected: keyword found '" + buf + "'"};
    return *last;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

enum class Ctx { kKeyAndOperator, kValues };

class Parser {
 public:
  explicit Parser(std::string_view text) {
    Lexer lx(text);
    while (true) {
      items_.push_back(lx.lex());
      if (items_.back().tok == Tok::kEnd) break;
    }
  }

  Result<std::vector<LabelRequirement>> parse() {
    std::vector<LabelRequirement> reqs;
    while (true) {
      Item it = lookahead(Ctx::kValues);
      if (it.tok == Tok::kEnd) return reqs;
      if (it.tok != Tok::kIdent && it.tok != Tok::kNot)
        return fail_invalid("found '" + it.lit + "', expected: !, identifier, or 'end of string'");
      auto r = requirement();
      if (!r) return fail_invalid("unable to parse requirement: " + r.error().what());
      reqs.push_back(std::move(*r));
      Item next = consume(Ctx::kValues);
      if (next.tok == Tok::kEnd) return reqs;
      if (next.tok != Tok::kComma)
        return fail_invalid("found '" + next.lit + "', expected: ',' or 'end of string'");
      Item after = lookahead(Ctx::kValues);
      if (after.tok != Tok::kIdent && after.tok != Tok::kNot)
        return fail_invalid("found '" + after.lit + "', expected: identifier after ','");
    }
  }

 private:
  Item lookahead(Ctx ctx) const { return retoken(items_[pos_], ctx); }
  Item consume(Ctx ctx) {
    Item it = retoken(items_[pos_], ctx);
    if (pos_ + 1 < items_.size()) ++pos_;  // the end token repeats forever
    return it;
  }
  static Item retoken(Item it, Ctx ctx) {
    if (ctx == Ctx::kValues && (it.tok == Tok::kIn || it.tok == Tok::kNotIn)) it.tok = Tok::kIdent;
    return it;
  }

  Result<LabelRequirement> requirement() {
    std::optional<Op> op;
    Item it = consume(Ctx::kValues);
    if (it.tok == Tok::kNot) {
      op = Op::kDoesNotExist;
      it = consume(Ctx::kValues);
    }
    if (it.tok != Tok::kIdent) return fail_invalid("found '" + it.lit + "', expected: identifier");
    if (auto errs = label_key_errors(it.lit); !errs.empty()) {
      std::string joined;
      for (auto& e : errs) joined += (joined.empty() ? "" : "; ") + e;
      return fail_invalid(invalid_value("<nil>", it.lit, joined));
    }
    std::string key = std::move(it.lit);
    Tok t = lookahead(Ctx::kValues).tok;
    if (!op && (t == Tok::kEnd || t == Tok::kComma)) op = Op::kExists;
    if (op) return new_requirement(std::move(key), *op, {});

    Item opit = consume(Ctx::kKeyAndOperator);
    switch (opit.tok) {
      case Tok::kIn: op = Op::kIn; break;
      case Tok::kEq: case Tok::kDoubleEq: op = Op::kEquals; break;
      case Tok::kGt: op = Op::kGreaterThan; break;
      case Tok::kLt: op = Op::kLessThan; break;
      case Tok::kNotIn: op = Op::kNotIn; break;
      case Tok::kNotEq: op = Op::kNotEquals; break;
      default:
        return fail_invalid("found '" + opit.lit + "', expected: in, notin, =, ==, !=, gt, lt");
    }
    std::set<std::string> values;
    if (*op == Op::kIn || *op == Op::kNotIn) {
      auto v = value_set();
      if (!v) return fail(std::move(v.error()));
      values = std::move(*v);
    } else {
      auto v = exact_value();
      if (!v) return fail(std::move(v.error()));
      values.insert(std::move(*v));
    }
    return new_requirement(std::move(key), *op, {values.begin(), values.end()});
  }

  // "(" values ")"
  Result<std::set<std::string>> value_set() {
    Item it = consume(Ctx::kValues);
    if (it.tok != Tok::kOpenPar) return fail_invalid("found '" + it.lit + "' expected: '('");
    Item la = lookahead(Ctx::kValues);
    if (la.tok == Tok::kClosePar) {
      consume(Ctx::kValues);
      return std::set<std::string>{""};
    }
    if (la.tok != Tok::kIdent && la.tok != Tok::kComma)
      return fail_invalid("found '" + la.lit + "', expected: ',', ')' or identifier");
    auto s = identifiers();
    if (!s) return s;
    if (consume(Ctx::kValues).tok != Tok::kClosePar)
      return fail_invalid("found '" + la.lit + "', expected: ')'");
    return s;
  }

  // A possibly empty, comma-separated list of possibly empty identifiers.
  Result<std::set<std::string>> identifiers() {
    std::set<std::string> s;
    while (true) {
      Item it = consume(Ctx::kValues);
      if (it.tok == Tok::kIdent) {
        s.insert(it.lit);
        Item la = lookahead(Ctx::kValues);
        if (la.tok == Tok::kComma) continue;
        if (la.tok == Tok::kClosePar) return s;
        return fail_invalid("found '" + la.lit + "', expected: ',' or ')'");
      }
      if (it.tok != Tok::kComma) return fail_invalid("found '" + it.lit + "', expected: ',', or identifier");
      if (s.empty()) s.insert("");  // "(,"
      Tok la = lookahead(Ctx::kValues).tok;
      if (la == Tok::kClosePar) {   // ",)"
        s.insert("");
        return s;
      }
      if (la == Tok::kComma) {      // ",,"
        consume(Ctx::kValues);
        s.insert("");
      }
    }
  }

  Result<std::string> exact_value() {
    Tok la = lookahead(Ctx::kValues).tok;
    if (la == Tok::kEnd || la == Tok::kComma) return std::string();
    Item it = consume(Ctx::kValues);
    if (it.tok == Tok::kIdent) return std::move(it.lit);
    return fail_invalid("found '" + it.lit + "', expected: identifier");
  }

  std::vector<Item> items_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  auto reqs = Parser(text).parse();
  if (!reqs) return fail(std::move(reqs.error()));
  LabelSelector sel;
  sel.reqs_ = std::move(*reqs);
  std::stable_sort(sel.reqs_.begin(), sel.reqs_.end(),
                   [](const auto& a, const auto& b) { return a.key < b.key; });
  return sel;
}

}  // namespace v6k::kube
