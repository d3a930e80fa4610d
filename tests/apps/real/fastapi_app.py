"""A FastAPI app (Debian's python3-fastapi 0.92 with pydantic 1.10): a pydantic model validated from
a JSON body (422 with FastAPI's error detail when invalid), path and query parameters converted by
type, and a plain ``def`` endpoint, which FastAPI runs in a worker thread off the event loop.
"""
from typing import List, Optional

from fastapi import FastAPI
from pydantic import BaseModel


class Item(BaseModel):
    name: str
    price: float
    tags: List[str] = []


app = FastAPI()


@app.post("/items")
async def create_item(item: Item):
    return item


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: Optional[str] = None):
    return {"item_id": item_id, "q": q}


@app.get("/sync")
def sync_endpoint():
    return {"sync": True}
