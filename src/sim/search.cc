// Listing and search: GET /api/models|datasets|spaces with search, author, filter (repeated),
// pipeline_tag, sort (always descending), limit, an opaque cursor and a `Link: <…>; rel="next"`.
#include <algorithm>

#include "sim/state.h"

namespace sf::sim {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// All values of a repeated query key ("filter=a&filter=b"; "filter[]=" too).
std::vector<std::string> QueryValues(const std::string& query, const std::string& key) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t end = query.find('&', pos);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(pos, end - pos);
    pos = end + 1;
    auto eq = pair.find('=');
    std::string k = http::UrlDecode(pair.substr(0, eq), true);
    if (k == key || k == key + "[]") {
      out.push_back(eq == std::string::npos ? "" : http::UrlDecode(pair.substr(eq + 1), true));
    }
  }
  return out;
}

// The query without `cursor`, so the next link can append a fresh one.
std::string QueryWithout(const std::string& query, const std::string& key) {
  std::string out;
  std::size_t pos = 0;
  while (pos < query.size()) {
    std::size_t end = query.find('&', pos);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(pos, end - pos);
    pos = end + 1;
    if (pair.empty() || pair.substr(0, pair.find('=')) == key) continue;
    if (!out.empty()) out += "&";
    out += pair;
  }
  return out;
}

}  // namespace

void Hub::AddSearchRoutes(http::Router& r) {
  for (const char* plural : {"models", "datasets", "spaces"}) {
    std::string type = SingularType(plural);
    std::string base_path = std::string("/api/") + plural;
    r.Get(base_path, [this, type, base_path](http::ServerRequest& req, WriterPtr w) {
      std::string search = Lower(req.QueryParam("search").value_or(""));
      std::string author = req.QueryParam("author").value_or("");
      std::vector<std::string> filters = QueryValues(req.query, "filter");
      std::string pipeline = req.QueryParam("pipeline_tag").value_or("");
      if (!pipeline.empty()) filters.push_back(pipeline);
      std::string sort = req.QueryParam("sort").value_or("");
      if (!sort.empty() && sort != "downloads" && sort != "likes" && sort != "createdAt" &&
          sort != "lastModified" && sort != "trendingScore" && sort != "id") {
        return w->Respond(Error(400, "Invalid sort parameter '" + sort.substr(0, 40) + "'"));
      }
      std::size_t limit = 1000;
      if (auto l = req.QueryParam("limit")) {
        char* end = nullptr;
        long v = std::strtol(l->c_str(), &end, 10);
        if (l->empty() || *end != '\0' || v <= 0) {
          return w->Respond(Error(400, "limit must be a positive integer"));
        }
        limit = static_cast<std::size_t>(std::min<long>(v, 1000));
      }
      std::size_t offset = 0;
      if (auto cur = req.QueryParam("cursor")) {
        // Opaque to clients; "o" + hex offset here.
        if (cur->size() < 2 || (*cur)[0] != 'o') return w->Respond(Error(400, "Invalid cursor"));
        char* end = nullptr;
        offset = std::strtoull(cur->c_str() + 1, &end, 16);
        if (*end != '\0') return w->Respond(Error(400, "Invalid cursor"));
      }
      bool full = req.QueryParam("full").value_or("") == "true" ||
                  !QueryValues(req.query, "expand").empty();
      bool card = req.QueryParam("cardData").value_or("") == "true";

      std::lock_guard<std::mutex> lock(mu_);
      Caller c = Authenticate(req);
      struct Hit {
        const Repo* repo;
        json item;
      };
      std::vector<Hit> hits;
      for (const auto& [key, repo] : repos_) {
        if (repo.type != type || !CanRead(c, repo)) continue;
        if (!author.empty() && repo.owner != author) continue;
        if (!search.empty() && Lower(repo.id).find(search) == std::string::npos) continue;
        json item = RepoInfoJson(repo, repo.head(), false, full || card);
        bool ok = true;
        for (const std::string& f : filters) {
          bool match = false;
          for (const auto& t : item["tags"]) match = match || t == f;
          if (item.contains("pipeline_tag") && item["pipeline_tag"] == f) match = true;
          if (item.contains("library_name") && item["library_name"] == f) match = true;
          if (!match) ok = false;
        }
        if (!ok) continue;
        if (!full) {
          item.erase("siblings");
          item.erase("cardData");
          if (repo.space && QueryValues(req.query, "expand").empty()) item.erase("runtime");
        }
        if (card && !full) {
          // cardData only
        }
        hits.push_back({&repo, std::move(item)});
      }
      auto key_of = [&](const Hit& h) -> std::int64_t {
        if (sort == "likes") return h.repo->likes;
        if (sort == "createdAt") return h.repo->created.time_since_epoch().count();
        if (sort == "lastModified") return h.repo->head().date.time_since_epoch().count();
        return h.repo->downloads;  // downloads, trendingScore
      };
      if (!sort.empty() && sort != "id") {
        std::stable_sort(hits.begin(), hits.end(),
                         [&](const Hit& a, const Hit& b) { return key_of(a) > key_of(b); });
      }
      json page = json::array();
      for (std::size_t i = offset; i < hits.size() && page.size() < limit; ++i) {
        page.push_back(hits[i].item);
      }
      http::Response resp = Json(200, page);
      if (offset + limit < hits.size()) {
        char cursor[32];
        std::snprintf(cursor, sizeof cursor, "o%zx", offset + limit);
        std::string q = QueryWithout(req.query, "cursor");
        std::string next =
            BaseUrl(req) + base_path + "?" + (q.empty() ? "" : q + "&") + "cursor=" + cursor;
        resp.headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
      }
      w->Respond(std::move(resp));
    });
  }
}

}  // namespace sf::sim
