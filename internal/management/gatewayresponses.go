package management

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
)

// A managed REST API's gateway responses, by type: exported as x-amazon-apigateway-gateway-responses, which the
// importer reads as a file's.

func init() {
	const (
		all = "/restapis/{restapi_id}/gatewayresponses"
		one = all + "/{response_type}"
	)
	routes = append(routes,
		route{"GET " + all, (*Service).getGatewayResponses},
		route{"PUT " + one, (*Service).putGatewayResponse},
		route{"GET " + one, (*Service).getGatewayResponse},
		route{"DELETE " + one, (*Service).deleteGatewayResponse},
	)
}

// gatewayResponse is API Gateway's GatewayResponse.
type gatewayResponse struct {
	ResponseType       string            `json:"responseType"`
	StatusCode         string            `json:"statusCode,omitempty"`
	ResponseParameters map[string]string `json:"responseParameters,omitempty"`
	ResponseTemplates  map[string]string `json:"responseTemplates,omitempty"`
	DefaultResponse    bool              `json:"defaultResponse"`
}

// gatewayResponsePage is GetGatewayResponses's answer, API Gateway's GatewayResponses.
type gatewayResponsePage struct {
	Items    []gatewayResponse `json:"item"`
	Position string            `json:"position,omitempty"`
}

// defaultGatewayResponse is a type's response where the API does not customise it.
func defaultGatewayResponse(t gatewayresponse.Type) gatewayResponse {
	out := gatewayResponse{ResponseType: string(t), DefaultResponse: true,
		ResponseTemplates: map[string]string{"application/json": `{"message":$context.error.messageString}`}}
	if d := gatewayresponse.Default(t); d.Status != 0 {
		out.StatusCode = strconv.Itoa(int(d.Status))
	}
	return out
}

func responseType(r *http.Request) (string, error) {
	t := r.PathValue("response_type")
	if !gatewayresponse.Known(gatewayresponse.Type(t)) {
		return "", badRequest("Invalid gateway response type %s", t)
	}
	return t, nil
}

// getGatewayResponses is GetGatewayResponses: the API's customised responses, and the defaults of the types
// Tollgate produces that it does not customise.
func (s *Service) getGatewayResponses(w http.ResponseWriter, r *http.Request) {
	rec, err := s.read(r, false)
	if err != nil {
		fail(w, err)
		return
	}
	byType := map[string]gatewayResponse{}
	for t := range gatewayresponse.Produced() {
		byType[string(t)] = defaultGatewayResponse(t)
	}
	for t, resp := range rec.GatewayResponses {
		byType[t] = *resp
	}
	var all []gatewayResponse
	for _, t := range slices.Sorted(maps.Keys(byType)) {
		all = append(all, byType[t])
	}
	page, position, err := pageOf(r, all, func(g gatewayResponse) string { return g.ResponseType })
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, gatewayResponsePage{Items: page, Position: position})
}

func (s *Service) getGatewayResponse(w http.ResponseWriter, r *http.Request) {
	rec, err := s.read(r, false)
	if err == nil {
		var t string
		if t, err = responseType(r); err == nil {
			if resp := rec.GatewayResponses[t]; resp != nil {
				writeJSON(w, http.StatusOK, resp)
			} else {
				writeJSON(w, http.StatusOK, defaultGatewayResponse(gatewayresponse.Type(t)))
			}
			return
		}
	}
	fail(w, err)
}

// putGatewayResponse is PutGatewayResponse; a deployment serves it.
func (s *Service) putGatewayResponse(w http.ResponseWriter, r *http.Request) {
	var req gatewayResponse
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		t, err := responseType(r)
		if err != nil {
			return false, err
		}
		if req.StatusCode != "" && !statusCode.MatchString(req.StatusCode) {
			return false, badRequest("Invalid status code specified: %s", req.StatusCode)
		}
		for name := range req.ResponseParameters {
			if !strings.HasPrefix(name, "gatewayresponse.header.") {
				return false, badRequest("Invalid mapping expression specified: %s", name)
			}
		}
		req.ResponseType, req.DefaultResponse = t, false
		if (*rec).GatewayResponses == nil {
			(*rec).GatewayResponses = map[string]*gatewayResponse{}
		}
		(*rec).GatewayResponses[t] = &req
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, req)
}

// deleteGatewayResponse is DeleteGatewayResponse: the type answers its default again, once deployed.
func (s *Service) deleteGatewayResponse(w http.ResponseWriter, r *http.Request) {
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		t, err := responseType(r)
		if err != nil {
			return false, err
		}
		if (*rec).GatewayResponses[t] == nil {
			return false, notFound("Invalid gateway response type specified: %s is not customised", t)
		}
		delete((*rec).GatewayResponses, t)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}
