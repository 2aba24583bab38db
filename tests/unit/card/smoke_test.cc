#include <gtest/gtest.h>

#include "card/card.h"

TEST(CardSmoke, Parses) {
  auto r = sf::card::ParseCard("---\npipeline_tag: text-generation\n---\n# hi\n");
  ASSERT_TRUE(r.ok());
}
