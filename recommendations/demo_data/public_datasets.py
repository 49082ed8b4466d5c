"""Read the public data sets in ../shared/data into recsite's row shapes (pure pandas, no Django).

They are research data under non-commercial terms: read them where they lie, never copy them into
the project. What each field becomes is written next to the code that does it, and in docs/data.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from recommendations.demo_data.generator import DemoData

DATASET_NAMESPACE = uuid.UUID("5d1c3e0a-7f7b-4f8e-9a0e-2f4b8c6d1a33")
ML_GENRES = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
]
# Ratings were collected in 1997-98; ages in u.user are as of then.
ML_SURVEY_YEAR = 1998
# Olist publishes purchase times in Brazil's local time, without a zone.
OLIST_ZONE = ZoneInfo("America/Sao_Paulo")
OLIST_SKIPPED_STATUSES = {"canceled", "unavailable"}


class DatasetMissing(FileNotFoundError):
    """The data set's files are not at the given path."""


def _require(path: Path, names: list[str]) -> None:
    missing = [n for n in names if not (path / n).is_file()]
    if missing:
        raise DatasetMissing(f"{path} lacks {', '.join(missing)}")


def movielens_100k(path: Path) -> DemoData:
    """MovieLens 100K: one shop, 1,682 movies, 943 users; a rating of 4-5 is a favorite, 1-3 a view."""
    _require(path, ["u.data", "u.item", "u.user"])
    ratings = pd.read_csv(path / "u.data", sep="\t", names=["user", "item", "rating", "ts"])
    movies = pd.read_csv(
        path / "u.item", sep="|", names=["item", "title", "released", "video", "url", *ML_GENRES], encoding="latin-1"
    )
    users = pd.read_csv(
        path / "u.user", sep="|", names=["user", "age", "gender", "occupation", "zip"], dtype={"zip": str}
    )
    data = DemoData()
    data.shops.append({"shop_id": "ml-100k", "name": "MovieLens 100K", "attributes": {"source": "GroupLens"}})
    flags = movies[ML_GENRES].to_numpy()
    for row, movie in enumerate(movies.itertuples(index=False)):
        genres = [ML_GENRES[g] for g in flags[row].nonzero()[0]] or ["unknown"]
        data.items.append(
            {
                "item_id": f"ml-{movie.item}",
                "shop_id": "ml-100k",
                "title": movie.title[:300],
                "category_path": genres[0],
                "attributes": {"genres": genres, "released": movie.released if isinstance(movie.released, str) else ""},
            }
        )
    for user in users.itertuples(index=False):
        data.users.append(
            {
                "user_id": f"ml-{user.user}",
                "gender": user.gender,
                "birth_year": ML_SURVEY_YEAR - int(user.age),
                # US ZIP codes' first digit is a group of states; Canadian postcodes start with a letter.
                "region": f"ZIP{user.zip[0]}" if user.zip[:1].isdigit() else "outside US",
                "attributes": {"occupation": user.occupation, "zip_code": user.zip},
            }
        )
    for r in ratings.itertuples(index=False):
        when = dt.datetime.fromtimestamp(int(r.ts), tz=dt.UTC)
        data.events.append(
            {
                "event_id": str(uuid.uuid5(DATASET_NAMESPACE, f"ml-100k:{r.user}:{r.item}")),
                "user_id": f"ml-{r.user}",
                "item_id": f"ml-{r.item}",
                "session_id": f"ml-{r.user}-{when:%Y%m%d}",
                "type": "favorite" if r.rating >= 4 else "view",
                "occurred_at": when,
            }
        )
    return data


def olist(path: Path) -> DemoData:
    """Olist sample: sellers are shops, ordered products are items, each order line is a purchase."""
    files = [
        "olist_sellers_dataset.csv",
        "olist_products_dataset.csv",
        "product_category_name_translation.csv",
        "sample_olist_customers_dataset.csv",
        "sample_olist_orders_dataset.csv",
        "sample_olist_order_items_dataset.csv",
    ]
    _require(path, files)
    read = {"dtype": str, "keep_default_na": False}
    sellers = pd.read_csv(path / files[0], **read)
    products = pd.read_csv(path / files[1], **read)
    english = dict(pd.read_csv(path / files[2], encoding="utf-8-sig", **read).itertuples(index=False))
    customers = pd.read_csv(path / files[3], **read)
    orders = pd.read_csv(path / files[4], **read)
    lines = pd.read_csv(path / files[5], **read)
    lines["price"] = lines["price"].astype(float)

    data = DemoData()
    for s in sellers.itertuples(index=False):
        data.shops.append(
            {
                "shop_id": s.seller_id,
                "name": f"{s.seller_city.title()} seller {s.seller_id[:6]}"[:200],
                "attributes": {"city": s.seller_city, "state": s.seller_state, "zip_prefix": s.seller_zip_code_prefix},
            }
        )
    # A product may be sold by several sellers; it belongs to the one that sold it most. Products that
    # were never ordered in the sample have no known seller and are left out.
    seller_of = lines.groupby(["product_id", "seller_id"]).size().reset_index(name="n")
    seller_of = seller_of.sort_values(["product_id", "n"], ascending=[True, False]).drop_duplicates("product_id")
    price_of = lines.groupby("product_id")["price"].median()
    products = products.merge(seller_of[["product_id", "seller_id"]], on="product_id")
    for p in products.itertuples(index=False):
        category = english.get(p.product_category_name, p.product_category_name) or "uncategorized"
        data.items.append(
            {
                "item_id": p.product_id,
                "shop_id": p.seller_id,
                "title": f"{category.replace('_', ' ').capitalize()} {p.product_id[:8]}",
                "category_path": category,
                "price": f"{price_of[p.product_id]:.2f}",
                "attributes": {"photos": p.product_photos_qty, "weight_g": p.product_weight_g},
            }
        )
    for c in customers.drop_duplicates("customer_unique_id").itertuples(index=False):
        data.users.append(
            {
                "user_id": c.customer_unique_id,
                "region": c.customer_state,
                "attributes": {"city": c.customer_city, "zip_prefix": c.customer_zip_code_prefix},
            }
        )
    orders = orders[~orders["order_status"].isin(OLIST_SKIPPED_STATUSES)]
    bought = lines.merge(orders, on="order_id").merge(customers, on="customer_id")
    for b in bought.itertuples(index=False):
        when = dt.datetime.fromisoformat(b.order_purchase_timestamp).replace(tzinfo=OLIST_ZONE)
        data.events.append(
            {
                "event_id": str(uuid.uuid5(DATASET_NAMESPACE, f"olist:{b.order_id}:{b.order_item_id}")),
                "user_id": b.customer_unique_id,
                "item_id": b.product_id,
                "session_id": b.order_id,
                "type": "purchase",
                "occurred_at": when,
            }
        )
    return data


DATASETS = {"ml-100k": movielens_100k, "olist": olist}
