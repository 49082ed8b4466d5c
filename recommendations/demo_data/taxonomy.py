"""Words the demo generator builds a believable marketplace from: categories, products, shops, regions."""

# top category -> subcategory -> product nouns
CATEGORIES: dict[str, dict[str, list[str]]] = {
    "Fashion": {
        "Women's clothing": ["blouse", "wrap skirt", "cardigan", "linen dress", "wide pants"],
        "Men's clothing": ["oxford shirt", "chinos", "knit sweater", "work jacket", "t-shirt"],
        "Bags": ["tote bag", "shoulder bag", "backpack", "pouch", "canvas bag"],
        "Accessories": ["earrings", "silver ring", "hair clip", "scarf", "leather belt"],
    },
    "Beauty": {
        "Skincare": ["face serum", "clay mask", "toner", "hand cream", "lip balm"],
        "Makeup": ["lipstick", "eye palette", "cheek tint", "brush set", "nail polish"],
        "Fragrance": ["eau de parfum", "room mist", "solid perfume", "body oil", "incense"],
    },
    "Home & Living": {
        "Tableware": ["stoneware mug", "rice bowl", "plate set", "glass tumbler", "chopsticks"],
        "Interior": ["cushion cover", "wall clock", "vase", "linen curtain", "photo frame"],
        "Kitchen": ["cast iron pan", "bamboo steamer", "knife", "apron", "cutting board"],
    },
    "Food & Drink": {
        "Sweets": ["baked cheesecake", "yuzu jelly", "matcha cookies", "castella", "chocolate box"],
        "Coffee & Tea": ["single-origin beans", "drip bags", "hojicha", "sencha", "chai blend"],
        "Local specialties": ["miso", "pickled plums", "soy sauce", "dried persimmons", "craft cider"],
    },
    "Hobbies": {
        "Stationery": ["notebook", "fountain pen", "washi tape", "stamp set", "letter set"],
        "Crafts": ["embroidery kit", "yarn bundle", "pottery kit", "leathercraft kit", "origami paper"],
        "Books & Zines": ["photo zine", "travel guide", "illustration book", "recipe book", "poetry zine"],
    },
    "Kids & Baby": {
        "Baby clothes": ["romper", "bib", "knit hat", "baby socks", "swaddle"],
        "Toys": ["wooden blocks", "stuffed bear", "puzzle", "rattle", "picture book"],
    },
    "Outdoor & Sports": {
        "Camping": ["enamel cup", "folding chair", "lantern", "fire starter", "hammock"],
        "Fitness": ["yoga mat", "running cap", "water bottle", "resistance band", "gym towel"],
    },
    "Electronics": {
        "Gadgets": ["phone case", "cable organizer", "wireless charger", "desk lamp", "smart tag"],
        "Audio": ["earbuds case", "speaker stand", "headphone hook", "vinyl cleaner", "turntable mat"],
    },
}

# typical price (yen) per top category; item prices scatter log-normally around it
TYPICAL_PRICE = {
    "Fashion": 6800,
    "Beauty": 3200,
    "Home & Living": 3800,
    "Food & Drink": 1900,
    "Hobbies": 2200,
    "Kids & Baby": 3000,
    "Outdoor & Sports": 4500,
    "Electronics": 5200,
}

ADJECTIVES = [
    "Handmade",
    "Linen",
    "Vintage",
    "Organic",
    "Minimal",
    "Classic",
    "Mini",
    "Everyday",
    "Natural",
    "Hand-dyed",
    "Small-batch",
    "Indigo",
    "Seasonal",
    "Recycled",
    "Washable",
    "Limited",
    "Soft",
    "Studio",
    "Heritage",
    "Pastel",
]
SHOP_WORDS = ["Atelier", "Studio", "Kobo", "Workshop", "Market", "Store", "Lab", "House", "Goods", "Supply"]
SHOP_NAMES = [
    "Hinata",
    "Sora",
    "Mori",
    "Umi",
    "Kaze",
    "Hana",
    "Yuki",
    "Tsuki",
    "Kawa",
    "Nagi",
    "Akari",
    "Komorebi",
    "Shizuku",
    "Hoshi",
    "Ame",
    "Kumo",
    "Sakura",
    "Momiji",
    "Ishi",
    "Tsubame",
]
REGIONS = ["Hokkaido", "Tohoku", "Kanto", "Chubu", "Kansai", "Chugoku", "Shikoku", "Kyushu"]
# rough population shares, so Kanto and Kansai dominate as they do in real traffic
REGION_WEIGHTS = [0.04, 0.07, 0.35, 0.17, 0.18, 0.06, 0.03, 0.10]

AGE_BANDS = [(0, 24), (25, 34), (35, 49), (50, 200)]
# (gender, age band index) -> preference weight per top category, in CATEGORIES order
SEGMENT_PREFERENCES: dict[tuple[str, int], list[float]] = {
    ("female", 0): [3.0, 3.0, 1.2, 1.2, 1.5, 0.2, 0.5, 0.6],
    ("female", 1): [2.6, 2.4, 2.0, 1.4, 1.2, 1.4, 0.6, 0.5],
    ("female", 2): [1.8, 1.8, 2.6, 1.8, 1.0, 1.6, 0.6, 0.4],
    ("female", 3): [1.2, 1.4, 2.6, 2.6, 1.4, 0.6, 0.6, 0.3],
    ("male", 0): [1.6, 0.6, 0.6, 1.0, 2.0, 0.1, 1.8, 3.0],
    ("male", 1): [1.6, 0.5, 1.2, 1.2, 1.6, 0.8, 2.2, 2.6],
    ("male", 2): [1.0, 0.4, 1.4, 1.8, 1.4, 0.9, 2.4, 2.0],
    ("male", 3): [0.6, 0.3, 1.6, 2.6, 1.8, 0.3, 2.0, 1.2],
}
