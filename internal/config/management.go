package config

import "github.com/tollgate-gw/tollgate/internal/diag"

// Management says who may call the management API, the AWS paths of the admin address (the aws CLI's and boto3's
// apigateway clients with --endpoint-url): each access key signs its requests with SigV4 for the apigateway
// service in aws.region. With none, only loopback clients may, signed or not.
type Management struct {
	Credentials []ManagementCredential `yaml:"credentials"`
}

// ManagementCredential is one access key of the management API.
type ManagementCredential struct {
	AccessKeyID     string `yaml:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey"`
}

func (c *Config) validateManagement(probs *diag.Problems) {
	seen := map[string]int{}
	for i, cred := range c.Management.Credentials {
		at := func(key string) string { return diag.Pointer("management", "credentials", i, key) }
		switch j, dup := seen[cred.AccessKeyID]; {
		case cred.AccessKeyID == "":
			probs.Addf(c.File, at("accessKeyId"), "a management credential needs its accessKeyId")
		case dup:
			probs.Addf(c.File, at("accessKeyId"), "access key %q is already /management/credentials/%d's", cred.AccessKeyID, j)
		default:
			seen[cred.AccessKeyID] = i
		}
		if cred.SecretAccessKey == "" {
			probs.Addf(c.File, at("secretAccessKey"), "a management credential needs its secretAccessKey")
		}
	}
}
