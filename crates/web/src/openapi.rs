//! The JSON API's OpenAPI document, served at `/api/openapi.json`: the server's own endpoints
//! and every module's, merged.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "医桥 yiqiao API",
        description = "台州市中西医结合医院 — HIS 数据接入、号源预约、药品追溯、门（急）诊诊疗信息页、机房巡检、DRG。错误统一为 {code, message, fields?}。"
    ),
    paths(crate::app::health_doc)
)]
struct ServerApi;

pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ServerApi::openapi();
    doc.merge(yiqiao_his::HisApi::openapi());
    doc
}
