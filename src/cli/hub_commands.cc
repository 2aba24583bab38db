#include "cli/hub_commands.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "hub/hub.h"

namespace sf::cli {
namespace {

using nlohmann::json;

template <typename T>
json OrNull(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// 1234 → "1.2k", 5600000 → "5.6M".
std::string Humanize(std::optional<std::int64_t> n) {
  if (!n) return "-";
  double v = static_cast<double>(*n);
  const char* suffix = "";
  if (v >= 1e9) {
    v /= 1e9;
    suffix = "B";
  } else if (v >= 1e6) {
    v /= 1e6;
    suffix = "M";
  } else if (v >= 1e3) {
    v /= 1e3;
    suffix = "k";
  } else {
    return std::to_string(*n);
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.1f%s" : "%.0f%s", v, suffix);
  return buf;
}

std::string DatePart(const std::optional<std::string>& iso) {
  if (!iso || iso->size() < 10) return "-";
  return iso->substr(0, 10);
}

}  // namespace

int CmdWhoami(const CommonFlags& common, Context& ctx) {
  if (ctx.http == nullptr) return Fail(ctx, Status(Code::kFailedPrecondition, "no network client"));
  hub::HubConfig config = hub::ConfigFromEnv(*ctx.env, *ctx.fs);
  hub::HubClient client(*ctx.http, config);
  auto me = client.Whoami();
  if (!me.ok()) return Fail(ctx, me.status());
  if (common.json) {
    json out = {{"name", me->name},
                {"fullname", me->fullname},
                {"type", me->type},
                {"email", OrNull(me->email)},
                {"isPro", me->is_pro},
                {"canPay", me->can_pay},
                {"orgs", me->orgs},
                {"token", {{"name", me->token_name}, {"role", me->token_role}}},
                {"endpoint", config.endpoint}};
    *ctx.out << out.dump(2) << "\n";
    return 0;
  }
  std::string orgs;
  for (const auto& o : me->orgs) orgs += (orgs.empty() ? "" : ", ") + o;
  *ctx.out << me->name << (me->fullname.empty() ? "" : " (" + me->fullname + ")") << "\n";
  if (me->email) *ctx.out << "  email:    " << *me->email << "\n";
  *ctx.out << "  plan:     " << (me->is_pro ? "PRO" : "free")
           << (me->can_pay ? ", payment method on file" : "") << "\n";
  *ctx.out << "  orgs:     " << (orgs.empty() ? "-" : orgs) << "\n";
  if (!me->token_name.empty() || !me->token_role.empty())
    *ctx.out << "  token:    " << (me->token_name.empty() ? "-" : me->token_name) << " ("
             << (me->token_role.empty() ? "?" : me->token_role) << ")\n";
  *ctx.out << "  endpoint: " << config.endpoint << "\n";
  return 0;
}

int CmdSearch(const std::string& kind, const std::string& query, int limit, bool as_json,
              Context& ctx) {
  auto type = hub::ParseRepoType(kind);
  if (!type)
    return Fail(ctx, InvalidArgument("search: unknown kind \"" + kind +
                                     "\" (expected models, datasets or spaces)"));
  if (limit < 1 || limit > 10000)
    return Fail(ctx, InvalidArgument("search: --limit must be between 1 and 10000"));
  if (ctx.http == nullptr) return Fail(ctx, Status(Code::kFailedPrecondition, "no network client"));
  hub::HubClient client(*ctx.http, hub::ConfigFromEnv(*ctx.env, *ctx.fs));
  hub::SearchParams p;
  p.type = *type;
  p.search = query;
  p.limit = static_cast<std::size_t>(limit);
  switch (*type) {
    case hub::RepoType::kModel:
      p.expand = {"downloads", "likes", "pipeline_tag", "library_name", "lastModified", "private"};
      break;
    case hub::RepoType::kDataset:
      p.expand = {"downloads", "likes", "lastModified", "private"};
      break;
    case hub::RepoType::kSpace:
      p.expand = {"likes", "sdk", "lastModified", "private"};
      break;
  }
  auto found = client.Search(p);
  if (!found.ok()) return Fail(ctx, found.status());

  if (as_json) {
    json out = json::array();
    for (const auto& r : *found)
      out.push_back({{"id", r.id},
                     {"downloads", OrNull(r.downloads)},
                     {"likes", OrNull(r.likes)},
                     {"pipeline_tag", OrNull(r.pipeline_tag)},
                     {"library_name", OrNull(r.library_name)},
                     {"sdk", OrNull(r.sdk)},
                     {"lastModified", OrNull(r.last_modified)},
                     {"private", r.is_private}});
    *ctx.out << out.dump(2) << "\n";
    return 0;
  }
  if (found->empty()) {
    *ctx.out << "no " << hub::RepoTypePlural(*type) << " match \"" << query << "\"\n";
    return 0;
  }
  const bool spaces = *type == hub::RepoType::kSpace;
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "DOWNLOADS", "LIKES", spaces ? "SDK" : "TASK", "UPDATED"});
  for (const auto& r : *found) {
    std::string id = r.id + (r.is_private ? " (private)" : "");
    std::string kind_col = spaces ? r.sdk.value_or("-") : r.pipeline_tag.value_or("-");
    rows.push_back({id, spaces ? "-" : Humanize(r.downloads), Humanize(r.likes), kind_col,
                    DatePart(r.last_modified)});
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      bool numeric = i == 1 || i == 2;
      std::string pad(width[i] - row[i].size(), ' ');
      line += numeric ? pad + row[i] : row[i] + (i + 1 == row.size() ? "" : pad);
      if (i + 1 != row.size()) line += "  ";
    }
    *ctx.out << line << "\n";
  }
  return 0;
}

}  // namespace sf::cli
