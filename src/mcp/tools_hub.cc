#include "mcp/mcp.h"

namespace sf::mcp {
void AddHubTools(Registry&, const ServiceDeps&) {}
}  // namespace sf::mcp
